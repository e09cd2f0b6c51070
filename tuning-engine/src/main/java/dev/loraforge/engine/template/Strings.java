package dev.loraforge.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Python {@code str} methods that templates call ({@code s.strip('\n')}, {@code s.split('</think>')}, ...). */
final class Strings {

    private Strings() {
    }

    static boolean has(String name) {
        return switch (name) {
            case "startswith", "endswith", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "replace",
                 "upper", "lower", "title", "capitalize", "swapcase", "find", "rfind", "index", "rindex", "count",
                 "join", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isnumeric", "format",
                 "removeprefix", "removesuffix", "center", "ljust", "rjust", "zfill", "casefold" -> true;
            default -> false;
        };
    }

    static Object call(String s, String name, List<Object> args, Map<String, Object> kwargs) {
        Args a = new Args(name, args, kwargs);
        switch (name) {
            case "startswith", "endswith": {
                Object what = a.get(0, "prefix", Args.REQUIRED);
                List<Object> options = what instanceof PyTuple t ? t : List.of(what);
                for (Object o : options) {
                    String p = a.string(o);
                    if (name.equals("startswith") ? s.startsWith(p) : s.endsWith(p)) {
                        return true;
                    }
                }
                return false;
            }
            case "strip":
                return Py.strip(s, a.optString(0, "chars"));
            case "lstrip":
                return Py.lstrip(s, a.optString(0, "chars"));
            case "rstrip":
                return Py.rstrip(s, a.optString(0, "chars"));
            case "split":
                return split(s, a.optString(0, "sep"), a.optInt(1, "maxsplit", -1));
            case "rsplit":
                return rsplit(s, a.optString(0, "sep"), a.optInt(1, "maxsplit", -1));
            case "splitlines": {
                List<Object> out = new ArrayList<>();
                for (String line : s.split("\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]", -1)) {
                    out.add(line);
                }
                if (!out.isEmpty() && ((String) out.get(out.size() - 1)).isEmpty()) {
                    out.remove(out.size() - 1);
                }
                return out;
            }
            case "replace":
                return replace(s, a.requireString(0, "old"), a.requireString(1, "new"), a.optInt(2, "count", -1));
            case "upper":
                return s.toUpperCase(Locale.ROOT);
            case "lower":
            case "casefold":
                return s.toLowerCase(Locale.ROOT);
            case "title":
                return title(s);
            case "capitalize":
                return capitalize(s);
            case "swapcase": {
                StringBuilder sb = new StringBuilder();
                s.codePoints().forEach(cp -> sb.appendCodePoint(Character.isUpperCase(cp) ? Character.toLowerCase(cp)
                        : Character.isLowerCase(cp) ? Character.toUpperCase(cp) : cp));
                return sb.toString();
            }
            case "find", "index": {
                int at = s.indexOf(a.requireString(0, "sub"));
                if (at < 0 && name.equals("index")) {
                    throw new TemplateException("substring not found");
                }
                return (long) (at < 0 ? -1 : s.codePointCount(0, at));
            }
            case "rfind", "rindex": {
                int at = s.lastIndexOf(a.requireString(0, "sub"));
                if (at < 0 && name.equals("rindex")) {
                    throw new TemplateException("substring not found");
                }
                return (long) (at < 0 ? -1 : s.codePointCount(0, at));
            }
            case "count": {
                String sub = a.requireString(0, "sub");
                if (sub.isEmpty()) {
                    return Py.len(s) + 1;
                }
                long n = 0;
                for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
                    n++;
                }
                return n;
            }
            case "join": {
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : Py.iterate(a.get(0, "iterable", Args.REQUIRED))) {
                    if (!(o instanceof String str)) {
                        throw new TemplateException("sequence item: expected str instance, " + Py.typeName(o) + " found");
                    }
                    sb.append(first ? "" : s).append(str);
                    first = false;
                }
                return sb.toString();
            }
            case "isdigit", "isnumeric":
                return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha":
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum":
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace":
                return !s.isEmpty() && s.chars().allMatch(Py::isSpace);
            case "isupper":
                return s.codePoints().anyMatch(Character::isUpperCase) && s.codePoints().noneMatch(Character::isLowerCase);
            case "islower":
                return s.codePoints().anyMatch(Character::isLowerCase) && s.codePoints().noneMatch(Character::isUpperCase);
            case "removeprefix": {
                String p = a.requireString(0, "prefix");
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix": {
                String p = a.requireString(0, "suffix");
                return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            }
            case "center", "ljust", "rjust": {
                int width = (int) a.optInt(0, "width", 0);
                String fill = a.optString(1, "fillchar");
                fill = fill == null ? " " : fill;
                int pad = (int) Math.max(0, width - Py.len(s));
                int left = name.equals("ljust") ? 0 : name.equals("rjust") ? pad : pad / 2 + (pad & width & 1);
                return fill.repeat(left) + s + fill.repeat(pad - left);
            }
            case "zfill": {
                int width = (int) a.optInt(0, "width", 0);
                int pad = (int) Math.max(0, width - Py.len(s));
                boolean signed = s.startsWith("-") || s.startsWith("+");
                return signed ? s.charAt(0) + "0".repeat(pad) + s.substring(1) : "0".repeat(pad) + s;
            }
            case "format":
                return format(s, args, kwargs);
            default:
                throw new TemplateException("'str' object has no attribute '" + name + "'");
        }
    }

    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && Py.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return out;
                }
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    out.add(Py.rstrip(s.substring(i), null));
                    return out;
                }
                int j = i;
                while (j < n && !Py.isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new TemplateException("empty separator");
        }
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, -1);
        }
        if (sep == null) {
            List<Object> words = split(s, null, -1);
            if (words.size() <= maxsplit + 1) {
                return words;
            }
            String stripped = Py.rstrip(s, null);
            List<Object> out = new ArrayList<>();
            int end = stripped.length();
            for (int k = 0; k < maxsplit; k++) {
                int j = end;
                while (j > 0 && !Py.isSpace(stripped.charAt(j - 1))) {
                    j--;
                }
                out.add(0, stripped.substring(j, end));
                end = j;
                while (end > 0 && Py.isSpace(stripped.charAt(end - 1))) {
                    end--;
                }
            }
            out.add(0, stripped.substring(0, end));
            return out;
        }
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxsplit) {
            int at = s.lastIndexOf(sep, end - sep.length());
            if (at < 0) {
                break;
            }
            out.add(0, s.substring(at + sep.length(), end));
            end = at;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static String replace(String s, String old, String repl, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                StringBuilder sb = new StringBuilder(repl);
                s.codePoints().forEach(cp -> sb.appendCodePoint(cp).append(repl));
                return sb.toString();
            }
            return s.replace(old, repl);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (long k = 0; k < count; k++) {
            int at = s.indexOf(old, from);
            if (at < 0 || old.isEmpty()) {
                break;
            }
            sb.append(s, from, at).append(repl);
            from = at + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    private static boolean cased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's {@code str.title}: a cased char after an uncased one is titlecased, the others lowercased. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cased(cp)) {
                sb.append(prevCased ? new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)
                        : new String(Character.toChars(cp)).toUpperCase(Locale.ROOT));
                prevCased = true;
            } else {
                sb.appendCodePoint(cp);
                prevCased = false;
            }
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        int n = Character.charCount(first);
        return new String(Character.toChars(first)).toUpperCase(Locale.ROOT) + s.substring(n).toLowerCase(Locale.ROOT);
    }

    /** Python's {@code str.format} with {@code {}}, {@code {0}} and {@code {name}} fields (no format specs). */
    static String format(String s, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                sb.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                sb.append('}');
                i++;
            } else if (c == '{') {
                int end = s.indexOf('}', i);
                if (end < 0) {
                    throw new TemplateException("Single '{' encountered in format string");
                }
                String field = s.substring(i + 1, end);
                Object v;
                if (field.isEmpty()) {
                    v = auto < args.size() ? args.get(auto++) : null;
                } else if (field.chars().allMatch(Character::isDigit)) {
                    v = args.get(Integer.parseInt(field));
                } else if (kwargs.containsKey(field)) {
                    v = kwargs.get(field);
                } else {
                    throw new TemplateException("KeyError: '" + field + "' in str.format");
                }
                sb.append(Py.str(v));
                i = end;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Python's {@code fmt % args} for {@code %s %r %d %i %f %%} (what the {@code format} filter does). */
    static String percentFormat(String fmt, List<?> args) {
        StringBuilder sb = new StringBuilder();
        int k = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char spec = fmt.charAt(++i);
            if (spec == '%') {
                sb.append('%');
                continue;
            }
            if (k >= args.size()) {
                throw new TemplateException("not enough arguments for format string");
            }
            Object v = args.get(k++);
            switch (spec) {
                case 's' -> sb.append(Py.str(v));
                case 'r' -> sb.append(Py.repr(v));
                case 'd', 'i' -> sb.append(v instanceof Double d ? (long) (double) d : Py.toLong(v));
                case 'f' -> sb.append(String.format(Locale.ROOT, "%f", Py.toDouble(v)));
                default -> throw new TemplateException("unsupported format character '" + spec + "'");
            }
        }
        if (k < args.size()) {
            throw new TemplateException("not all arguments converted during string formatting");
        }
        return sb.toString();
    }
}
