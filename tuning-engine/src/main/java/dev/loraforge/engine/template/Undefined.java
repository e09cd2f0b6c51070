package dev.loraforge.engine.template;

/**
 * Jinja2's default {@code Undefined}: falsy, prints as the empty string, iterates as empty, has
 * length 0 and equals only another undefined; arithmetic, attribute access and calls on it fail.
 */
final class Undefined {

    private final String hint;

    Undefined(String hint) {
        this.hint = hint;
    }

    /** The message Jinja2 gives when an undefined value is used: {@code 'x' is undefined}. */
    String message() {
        return hint;
    }

    static Undefined named(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object attr) {
        return new Undefined("'" + Py.typeName(owner) + " object' has no attribute '" + attr + "'");
    }

    TemplateException error() {
        return new TemplateException(hint);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Undefined;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "";
    }
}
