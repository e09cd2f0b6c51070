package dev.loraforge.engine.template;

/**
 * A template that fails: at parse time ({@link TemplateSyntaxException}), by calling
 * {@code raise_exception} ({@link RaisedException}), or by an operation Python would refuse
 * (adding a string to a list, reading an attribute of an undefined value, ...).
 */
public class TemplateException extends RuntimeException {

    public TemplateException(String message) {
        super(message);
    }
}
