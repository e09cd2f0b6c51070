package dev.loraforge.events;

/**
 * A job's result file stored as a blob in artifact-store: the per-step metrics CSV that OpenAI lists in a
 * job's {@code result_files} ({@code step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy}).
 *
 * @param digest   sha256 of the content, {@code sha256:<hex>}
 * @param bytes    its size
 * @param filename the name it is offered under, e.g. {@code step_metrics.csv}
 */
public record ResultFile(String digest, long bytes, String filename) {
    public ResultFile {
        Require.text(digest, "ResultFile", "digest");
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
            throw new EventFormatException("ResultFile.digest must be 'sha256:' and 64 lowercase hex digits, got '" + digest + "'");
        }
        if (bytes < 0) {
            throw new EventFormatException("ResultFile.bytes must be >= 0, got " + bytes);
        }
        Require.text(filename, "ResultFile", "filename");
    }
}
