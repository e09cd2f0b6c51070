package dev.loraforge.engine.data;

/**
 * One tokenized example. {@code labels[i]} is {@code inputIds[i]} where the token is trained on and
 * {@link #IGNORE} elsewhere (Hugging Face's convention; the loss shifts them by one).
 */
public record EncodedExample(int[] inputIds, int[] labels) {

    /** The label of a token that takes no part in the loss (PyTorch's {@code ignore_index}). */
    public static final int IGNORE = -100;

    public EncodedExample {
        if (inputIds.length != labels.length) {
            throw new IllegalArgumentException("inputIds and labels differ in length: " + inputIds.length + " vs " + labels.length);
        }
    }

    public int length() {
        return inputIds.length;
    }

    /** Tokens predicted with a loss: labels at positions 1..n-1 that are not ignored. */
    public int targetTokens() {
        int n = 0;
        for (int i = 1; i < labels.length; i++) {
            if (labels[i] != IGNORE) {
                n++;
            }
        }
        return n;
    }
}
