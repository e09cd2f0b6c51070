package dev.loraforge.events;

/** Why something failed: a stable machine code and a message for people. */
public record ErrorInfo(String code, String message) {
    public ErrorInfo {
        Require.text(code, "ErrorInfo", "code");
        Require.text(message, "ErrorInfo", "message");
    }
}
