package dev.loraforge.engine.template;

/** One lexer token: template text, a tag delimiter, or a piece of an expression inside a tag. */
record Token(Type type, String value, int line, int column) {

    enum Type { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean is(Type t, String v) {
        return type == t && value.equals(v);
    }

    boolean isOp(String v) {
        return is(Type.OPERATOR, v);
    }

    boolean isName(String v) {
        return is(Type.NAME, v);
    }

    String describe() {
        return switch (type) {
            case EOF -> "end of template";
            case BLOCK_END -> "end of statement block";
            case VAR_END -> "end of print statement";
            case TEXT -> "template text";
            default -> "'" + value + "'";
        };
    }
}
