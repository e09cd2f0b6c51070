package dev.loraforge.engine.data;

/**
 * One tokenized preference pair: the prompt's ids and each response's ids (what follows the prompt, end-of-turn or
 * EOS included), already truncated so that prompt + response fits the sequence length. A response's
 * log-probability is the sum over its tokens only (TRL's {@code completion_mask}; the prompt takes no part).
 */
public record EncodedPreference(int[] promptIds, int[] chosenIds, int[] rejectedIds) {

    public EncodedPreference {
        if (promptIds.length == 0 || chosenIds.length == 0 || rejectedIds.length == 0) {
            throw new IllegalArgumentException("a preference pair needs prompt, chosen and rejected tokens (got "
                    + promptIds.length + ", " + chosenIds.length + ", " + rejectedIds.length + ")");
        }
    }

    /** prompt + chosen as one sequence, labels on the chosen tokens only. */
    public EncodedExample chosen() {
        return sequence(chosenIds);
    }

    /** prompt + rejected as one sequence, labels on the rejected tokens only. */
    public EncodedExample rejected() {
        return sequence(rejectedIds);
    }

    /** Tokens of both sequences. */
    public int tokens() {
        return 2 * promptIds.length + chosenIds.length + rejectedIds.length;
    }

    private EncodedExample sequence(int[] response) {
        int n = promptIds.length + response.length;
        int[] ids = new int[n];
        int[] labels = new int[n];
        System.arraycopy(promptIds, 0, ids, 0, promptIds.length);
        System.arraycopy(response, 0, ids, promptIds.length, response.length);
        java.util.Arrays.fill(labels, 0, promptIds.length, EncodedExample.IGNORE);
        System.arraycopy(response, 0, labels, promptIds.length, response.length);
        return new EncodedExample(ids, labels);
    }
}
