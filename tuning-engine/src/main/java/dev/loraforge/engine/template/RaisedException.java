package dev.loraforge.engine.template;

/** The template called {@code raise_exception(message)}; {@link #getMessage()} is the template's message. */
public final class RaisedException extends TemplateException {

    public RaisedException(String message) {
        super(message);
    }
}
