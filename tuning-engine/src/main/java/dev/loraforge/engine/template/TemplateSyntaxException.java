package dev.loraforge.engine.template;

/** A template that cannot be parsed; the message names the line, the column and the construct. */
public final class TemplateSyntaxException extends TemplateException {

    public TemplateSyntaxException(String message, int line, int column) {
        super("line " + line + ", column " + column + ": " + message);
    }
}
