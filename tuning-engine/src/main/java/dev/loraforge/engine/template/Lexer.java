package dev.loraforge.engine.template;

import dev.loraforge.engine.template.Token.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens the way Jinja2's lexer does with {@code trim_blocks=True} and
 * {@code lstrip_blocks=True} (what transformers sets): the first newline after a block or comment tag
 * is dropped; spaces and tabs between a line start and a block or comment tag are dropped; {@code -}
 * inside a delimiter strips all whitespace on that side, {@code +} turns the automatic stripping off.
 * Line endings become {@code \n} and one trailing newline is dropped ({@code keep_trailing_newline=False}).
 */
final class Lexer {

    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*([-+]?)%\\}");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%\\}");
    private static final String[] OPERATORS = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "*", "/", "%", "~",
        "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", ";"};

    private final String src;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private boolean lineStarting = true;

    private Lexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        this.src = s;
    }

    static List<Token> tokenize(String source) {
        Lexer lx = new Lexer(source);
        lx.run();
        return lx.out;
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTagStart(pos);
            if (tag < 0) {
                emitText(src.substring(pos), pos);
                pos = src.length();
                break;
            }
            String text = src.substring(pos, tag);
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
            if (sign == '-') {
                text = Py.rstrip(text, null);
            } else if (sign != '+' && kind != '{') {
                int l = text.lastIndexOf('\n') + 1;
                if ((l > 0 || lineStarting) && isInlineSpace(text, l)) {
                    text = text.substring(0, l);
                }
            }
            emitText(text, pos);
            if (kind == '#') {
                comment(tag);
            } else if (kind == '%' && RAW_BEGIN.matcher(src).region(tag, src.length()).lookingAt()) {
                raw(tag);
            } else {
                tag(tag, kind == '%');
            }
        }
        out.add(new Token(Type.EOF, "", line(src.length()), column(src.length())));
    }

    private int nextTagStart(int from) {
        int i = from;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= src.length()) {
                return -1;
            }
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i++;
        }
    }

    /** Jinja's {@code \s+} fullmatch from {@code from}: only whitespace (no newline can be there) and at least one char. */
    private static boolean isInlineSpace(String text, int from) {
        if (from >= text.length()) {
            return false;
        }
        for (int i = from; i < text.length(); i++) {
            if (!Py.isSpace(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private void emitText(String text, int at) {
        if (!text.isEmpty()) {
            out.add(new Token(Type.TEXT, text, line(at), column(at)));
        }
    }

    private void comment(int start) {
        int end = src.indexOf("#}", start + 2);
        if (end < 0) {
            throw new TemplateSyntaxException("comment '{#' is never closed with '#}'", line(start), column(start));
        }
        boolean strip = end > start + 2 && src.charAt(end - 1) == '-';
        boolean keep = end > start + 2 && src.charAt(end - 1) == '+';
        pos = end + 2;
        afterBlockEnd(strip, keep);
    }

    private void raw(int start) {
        Matcher b = RAW_BEGIN.matcher(src).region(start, src.length());
        b.lookingAt();
        Matcher e = RAW_END.matcher(src);
        if (!e.find(b.end())) {
            throw new TemplateSyntaxException("'raw' block is never closed with 'endraw'", line(start), column(start));
        }
        pos = b.end();
        afterBlockEnd("-".equals(b.group(2)), "+".equals(b.group(2)));
        String body = src.substring(pos, e.start());
        if ("-".equals(e.group(1))) {
            body = Py.rstrip(body, null);
        }
        emitText(body, pos);
        pos = e.end();
        afterBlockEnd("-".equals(e.group(2)), "+".equals(e.group(2)));
    }

    /** After {@code %}} or {@code #}}: {@code -} strips all whitespace, otherwise trim_blocks drops one newline. */
    private void afterBlockEnd(boolean strip, boolean keep) {
        int from = pos;
        if (strip) {
            while (pos < src.length() && Py.isSpace(src.charAt(pos))) {
                pos++;
            }
        } else if (!keep && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
        lineStarting = pos > from ? src.charAt(pos - 1) == '\n' : false;
    }

    private void tag(int start, boolean block) {
        out.add(new Token(block ? Type.BLOCK_BEGIN : Type.VAR_BEGIN, block ? "{%" : "{{", line(start), column(start)));
        pos = start + 2;
        if (pos < src.length() && (src.charAt(pos) == '-' || src.charAt(pos) == '+')) {
            pos++;
        }
        int depth = 0;
        while (true) {
            while (pos < src.length() && Py.isSpace(src.charAt(pos))) {
                pos++;
            }
            if (pos >= src.length()) {
                throw new TemplateSyntaxException("tag '" + (block ? "{%" : "{{") + "' is never closed with '"
                        + (block ? "%}" : "}}") + "'", line(start), column(start));
            }
            if (depth == 0) {
                String end = block ? "%}" : "}}";
                boolean strip = src.startsWith("-" + end, pos);
                boolean keep = block && src.startsWith("+" + end, pos);
                if (strip || keep || src.startsWith(end, pos)) {
                    out.add(new Token(block ? Type.BLOCK_END : Type.VAR_END, end, line(pos), column(pos)));
                    pos += end.length() + (strip || keep ? 1 : 0);
                    if (block) {
                        afterBlockEnd(strip, keep);
                    } else {
                        int from = pos;
                        if (strip) {
                            while (pos < src.length() && Py.isSpace(src.charAt(pos))) {
                                pos++;
                            }
                        }
                        lineStarting = pos > from && src.charAt(pos - 1) == '\n';
                    }
                    return;
                }
            }
            depth += expressionToken();
        }
    }

    /** Reads one expression token at {@code pos}; returns the change in bracket depth. */
    private int expressionToken() {
        int start = pos;
        char c = src.charAt(pos);
        if (Character.isLetter(c) || c == '_') {
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                pos++;
            }
            out.add(new Token(Type.NAME, src.substring(start, pos), line(start), column(start)));
            return 0;
        }
        if (Character.isDigit(c)) {
            number(start);
            return 0;
        }
        if (c == '\'' || c == '"') {
            string(start, c);
            return 0;
        }
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                pos += op.length();
                out.add(new Token(Type.OPERATOR, op, line(start), column(start)));
                return switch (op) {
                    case "(", "[", "{" -> 1;
                    case ")", "]", "}" -> -1;
                    default -> 0;
                };
            }
        }
        throw new TemplateSyntaxException("unexpected character '" + c + "' in a tag", line(start), column(start));
    }

    private void number(int start) {
        while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
            pos++;
        }
        boolean isFloat = false;
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))
                && (start == 0 || src.charAt(start - 1) != '.')) {
            isFloat = true;
            pos++;
            while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                pos++;
            }
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                isFloat = true;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                    pos++;
                }
            } else {
                pos = save;
            }
        }
        String text = src.substring(start, pos).replace("_", "");
        out.add(new Token(isFloat ? Type.FLOAT : Type.INTEGER, text, line(start), column(start)));
    }

    private void string(int start, char quote) {
        pos++;
        StringBuilder raw = new StringBuilder();
        while (true) {
            if (pos >= src.length()) {
                throw new TemplateSyntaxException("string literal is never closed", line(start), column(start));
            }
            char ch = src.charAt(pos);
            if (ch == '\\' && pos + 1 < src.length()) {
                raw.append(ch).append(src.charAt(pos + 1));
                pos += 2;
                continue;
            }
            pos++;
            if (ch == quote) {
                break;
            }
            raw.append(ch);
        }
        out.add(new Token(Type.STRING, unescape(raw.toString(), start), line(start), column(start)));
    }

    /** Python's {@code unicode_escape} decoding, as Jinja2 applies it to string literals; unknown escapes stay. */
    private String unescape(String s, int at) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '\\' || i + 1 >= s.length()) {
                sb.append(ch);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case '\n' -> { }
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int len = n == 'x' ? 2 : n == 'u' ? 4 : 8;
                    if (i + len >= s.length()) {
                        throw new TemplateSyntaxException("truncated \\" + n + " escape in a string literal", line(at), column(at));
                    }
                    String hex = s.substring(i + 1, i + 1 + len);
                    try {
                        sb.appendCodePoint(Integer.parseInt(hex, 16));
                    } catch (IllegalArgumentException e) {
                        throw new TemplateSyntaxException("bad \\" + n + " escape in a string literal", line(at), column(at));
                    }
                    i += len;
                }
                default -> {
                    if (n >= '0' && n <= '7') {
                        int j = i;
                        while (j < s.length() && j < i + 3 && s.charAt(j) >= '0' && s.charAt(j) <= '7') {
                            j++;
                        }
                        sb.append((char) Integer.parseInt(s.substring(i, j), 8));
                        i = j - 1;
                    } else {
                        sb.append('\\').append(n);
                    }
                }
            }
        }
        return sb.toString();
    }

    private int line(int at) {
        int l = 1;
        for (int i = 0; i < at && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                l++;
            }
        }
        return l;
    }

    private int column(int at) {
        int nl = src.lastIndexOf('\n', Math.min(at, src.length()) - 1);
        return at - nl;
    }
}
