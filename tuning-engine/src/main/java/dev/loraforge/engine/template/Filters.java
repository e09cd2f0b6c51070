package dev.loraforge.engine.template;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Jinja2's built-in filters as Python jinja2 3.1 defines them, plus transformers' {@code tojson}. */
final class Filters {

    private static final java.util.Set<String> NAMES = java.util.Set.of("abs", "attr", "capitalize", "count", "d",
            "default", "dictsort", "e", "escape", "first", "float", "format", "indent", "int", "items", "join", "last",
            "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round",
            "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper",
            "wordcount");

    private Filters() {
    }

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static Object apply(Renderer r, String name, Object v, List<Object> args, Map<String, Object> kwargs) {
        Args a = new Args(name, args, kwargs);
        switch (name) {
            case "safe":
                return v;
            case "string":
                return Py.str(v);
            case "trim":
                return Py.strip(Py.str(v), a.optString(0, "chars"));
            case "upper":
                return Py.str(v).toUpperCase(Locale.ROOT);
            case "lower":
                return Py.str(v).toLowerCase(Locale.ROOT);
            case "capitalize":
                return Strings.capitalize(Py.str(v));
            case "title":
                return title(Py.str(v));
            case "replace": {
                String s = Py.str(v);
                return Strings.replace(s, Py.str(a.get(0, "old", Args.REQUIRED)), Py.str(a.get(1, "new", Args.REQUIRED)),
                        a.optInt(2, "count", -1));
            }
            case "length", "count":
                return Py.len(v);
            case "default", "d": {
                Object dflt = a.get(0, "default_value", "");
                boolean bool = a.optBool(1, "boolean", false);
                return v instanceof Undefined || (bool && !Py.truthy(v)) ? dflt : v;
            }
            case "first": {
                List<Object> items = Py.iterate(v);
                return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
            }
            case "last": {
                List<Object> items = Py.iterate(v);
                return items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.get(items.size() - 1);
            }
            case "join": {
                String sep = Py.str(a.get(0, "d", ""));
                Object attribute = a.get(1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : Py.iterate(v)) {
                    sb.append(first ? "" : sep).append(Py.str(attribute == null ? o : r.attribute(o, attribute)));
                    first = false;
                }
                return sb.toString();
            }
            case "list":
                return Py.iterate(v);
            case "items": {
                if (v instanceof Undefined) {
                    return new ArrayList<>();
                }
                if (!(v instanceof Map<?, ?> m)) {
                    throw new TemplateException("can only get item pairs from a mapping, not " + Py.typeName(v));
                }
                List<Object> out = new ArrayList<>();
                m.forEach((k, x) -> out.add(PyTuple.of(k, x)));
                return out;
            }
            case "int":
                return toInt(v, a.get(0, "default", 0L));
            case "float":
                return toFloat(v, a.get(0, "default", 0.0));
            case "abs":
                return v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Py.toLong(v));
            case "round": {
                long precision = a.optInt(0, "precision", 0);
                String method = Py.str(a.get(1, "method", "common"));
                java.math.RoundingMode mode = switch (method) {
                    case "ceil" -> java.math.RoundingMode.CEILING;
                    case "floor" -> java.math.RoundingMode.FLOOR;
                    default -> java.math.RoundingMode.HALF_UP;
                };
                return new java.math.BigDecimal(Double.toString(Py.toDouble(v))).setScale((int) precision, mode).doubleValue();
            }
            case "indent":
                return indent(Py.str(v), a.get(0, "width", 4L), a.optBool(1, "first", false), a.optBool(2, "blank", false));
            case "tojson":
                // transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
                return new Json(a.optBool(0, "ensure_ascii", false), a.get(1, "indent", null), a.get(2, "separators", null),
                        a.optBool(3, "sort_keys", false)).dumps(v);
            case "e", "escape":
                return Py.str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                        .replace("'", "&#39;");
            case "format":
                return Strings.percentFormat(Py.str(v), args);
            case "attr":
                return r.attribute(v, a.get(0, "name", Args.REQUIRED));
            case "reverse": {
                if (v instanceof String s) {
                    return new StringBuilder(s).reverse().toString();
                }
                List<Object> items = Py.iterate(v);
                Collections.reverse(items);
                return items;
            }
            case "unique": {
                boolean caseSensitive = a.optBool(0, "case_sensitive", false);
                Object attribute = a.get(1, "attribute", null);
                List<Object> out = new ArrayList<>();
                List<Object> seen = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    Object key = sortKey(r, o, attribute, caseSensitive);
                    if (seen.stream().noneMatch(s -> Py.eq(s, key))) {
                        seen.add(key);
                        out.add(o);
                    }
                }
                return out;
            }
            case "sort": {
                boolean reverse = a.optBool(0, "reverse", false);
                boolean caseSensitive = a.optBool(1, "case_sensitive", false);
                Object attribute = a.get(2, "attribute", null);
                List<Object> items = Py.iterate(v);
                items.sort((x, y) -> Py.compare(sortKey(r, x, attribute, caseSensitive), sortKey(r, y, attribute, caseSensitive), "<"));
                if (reverse) {
                    Collections.reverse(items);
                }
                return items;
            }
            case "dictsort": {
                if (!(v instanceof Map<?, ?> m)) {
                    throw new TemplateException("dictsort needs a mapping, not " + Py.typeName(v));
                }
                boolean caseSensitive = a.optBool(0, "case_sensitive", false);
                int by = "value".equals(a.get(1, "by", "key")) ? 1 : 0;
                boolean reverse = a.optBool(2, "reverse", false);
                List<Object> out = new ArrayList<>();
                m.forEach((k, x) -> out.add(PyTuple.of(k, x)));
                out.sort((x, y) -> Py.compare(sortKey(r, ((PyTuple) x).get(by), null, caseSensitive),
                        sortKey(r, ((PyTuple) y).get(by), null, caseSensitive), "<"));
                if (reverse) {
                    Collections.reverse(out);
                }
                return out;
            }
            case "min", "max": {
                boolean caseSensitive = a.optBool(0, "case_sensitive", false);
                Object attribute = a.get(1, "attribute", null);
                List<Object> items = Py.iterate(v);
                if (items.isEmpty()) {
                    return new Undefined("No aggregated item, sequence was empty.");
                }
                Object best = items.get(0);
                for (Object o : items) {
                    int c = Py.compare(sortKey(r, o, attribute, caseSensitive), sortKey(r, best, attribute, caseSensitive), "<");
                    if (name.equals("min") ? c < 0 : c > 0) {
                        best = o;
                    }
                }
                return best;
            }
            case "sum": {
                Object attribute = a.get(0, "attribute", null);
                Object total = a.get(1, "start", 0L);
                for (Object o : Py.iterate(v)) {
                    total = Py.binary("+", total, attribute == null ? o : r.attribute(o, attribute));
                }
                return total;
            }
            case "wordcount":
                return (long) Strings.split(Py.str(v), null, -1).size();
            case "map":
                return map(r, v, args, kwargs);
            case "select", "reject":
                return select(r, v, null, args, name.equals("select"));
            case "selectattr", "rejectattr": {
                if (args.isEmpty()) {
                    throw new TemplateException(name + " needs an attribute name");
                }
                return select(r, v, args.get(0), args.subList(1, args.size()), name.equals("selectattr"));
            }
            default:
                throw new TemplateException("no filter named '" + name + "'");
        }
    }

    private static Object sortKey(Renderer r, Object o, Object attribute, boolean caseSensitive) {
        Object k = attribute == null ? o : r.attribute(o, attribute);
        return !caseSensitive && k instanceof String s ? s.toLowerCase(Locale.ROOT) : k;
    }

    /** Jinja's title filter: words start after whitespace, '-', or an opening bracket. */
    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean start = true;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            String ch = new String(Character.toChars(cp));
            boolean sep = Py.isSpace(cp) || "-({[<".indexOf(cp) >= 0;
            sb.append(sep ? ch : start ? ch.toUpperCase(Locale.ROOT) : ch.toLowerCase(Locale.ROOT));
            start = sep;
        }
        return sb.toString();
    }

    private static Object toInt(Object v, Object dflt) {
        if (v instanceof Boolean || v instanceof Long) {
            return Py.toLong(v);
        }
        if (v instanceof Double d) {
            return (long) (double) d;
        }
        if (v instanceof String s) {
            String t = Py.strip(s, null).replace("_", "");
            try {
                return Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
            } catch (NumberFormatException e) {
                try {
                    return (long) Double.parseDouble(t);
                } catch (NumberFormatException e2) {
                    return dflt;
                }
            }
        }
        return dflt;
    }

    private static Object toFloat(Object v, Object dflt) {
        if (Py.isNumber(v)) {
            return Py.toDouble(v);
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(Py.strip(s, null));
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    /** Jinja 3.1's indent: lines after the first (and the first with first=True) get the prefix; blank lines only with blank=True. */
    private static String indent(String s, Object width, boolean first, boolean blank) {
        String pad = width instanceof String w ? w : " ".repeat((int) Py.toLong(width));
        List<Object> lines = splitlines(s + "\n");
        StringBuilder sb = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                sb.append(i > 0 ? "\n" + pad : "").append((String) lines.get(i));
            }
        } else {
            sb.append(lines.isEmpty() ? "" : (String) lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                sb.append('\n').append(line.isEmpty() ? "" : pad + line);
            }
        }
        return first ? pad + sb : sb.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> splitlines(String s) {
        return (List<Object>) Strings.call(s, "splitlines", List.of(), Map.of());
    }

    private static List<Object> map(Renderer r, Object v, List<Object> args, Map<String, Object> kwargs) {
        List<Object> out = new ArrayList<>();
        if (kwargs.containsKey("attribute")) {
            Object attribute = kwargs.get("attribute");
            boolean hasDefault = kwargs.containsKey("default");
            for (Object o : Py.iterate(v)) {
                Object x = r.attribute(o, attribute);
                out.add(hasDefault && x instanceof Undefined ? kwargs.get("default") : x);
            }
            return out;
        }
        if (args.isEmpty()) {
            throw new TemplateException("map needs a filter name or attribute=");
        }
        String filter = Py.str(args.get(0));
        Map<String, Object> rest = new LinkedHashMap<>(kwargs);
        for (Object o : Py.iterate(v)) {
            out.add(apply(r, filter, o, args.subList(1, args.size()), rest));
        }
        return out;
    }

    private static List<Object> select(Renderer r, Object v, Object attribute, List<Object> args, boolean keep) {
        List<Object> out = new ArrayList<>();
        String test = args.isEmpty() ? null : Py.str(args.get(0));
        List<Object> testArgs = args.isEmpty() ? List.of() : args.subList(1, args.size());
        for (Object o : Py.iterate(v)) {
            Object x = attribute == null ? o : r.attribute(o, attribute);
            boolean ok = test == null ? Py.truthy(x) : Tests.apply(test, x, testArgs, false);
            if (ok == keep) {
                out.add(o);
            }
        }
        return out;
    }
}
