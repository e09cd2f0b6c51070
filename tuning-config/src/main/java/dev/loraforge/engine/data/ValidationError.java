package dev.loraforge.engine.data;

/** One malformed line of a JSONL dataset: its 1-based line number and the reason. Line 0 = the whole file. */
public record ValidationError(long line, String message) {

    @Override
    public String toString() {
        return line > 0 ? "line " + line + ": " + message : message;
    }
}
