package dev.loraforge.engine.template;

import java.util.List;
import java.util.Map;

/** Jinja2's tests ({@code x is defined}, {@code x is string}, ...), with Python's type rules (bool is a number). */
final class Tests {

    private Tests() {
    }

    static boolean exists(String name) {
        try {
            apply(name, null, List.of(), true);
            return true;
        } catch (TemplateException e) {
            return !e.getMessage().startsWith("no test named");
        }
    }

    static boolean apply(String name, Object v, List<Object> args, boolean probe) {
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "number" -> Py.isNumber(v);
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map;
            case "iterable" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "sequence" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "callable" -> v instanceof PyCallable;
            case "odd" -> Py.toLong(num(v)) % 2 != 0;
            case "even" -> Py.toLong(num(v)) % 2 == 0;
            case "divisibleby" -> Py.toLong(num(v)) % Py.toLong(num(arg(args, 0, probe))) == 0;
            case "lower" -> v instanceof String s && s.equals(s.toLowerCase(java.util.Locale.ROOT));
            case "upper" -> v instanceof String s && s.equals(s.toUpperCase(java.util.Locale.ROOT));
            case "eq", "equalto", "==" -> Py.eq(v, arg(args, 0, probe));
            case "ne", "!=" -> !Py.eq(v, arg(args, 0, probe));
            case "lt", "lessthan", "<" -> probe || Py.compare(v, arg(args, 0, false), "<") < 0;
            case "le", "<=" -> probe || Py.compare(v, arg(args, 0, false), "<=") <= 0;
            case "gt", "greaterthan", ">" -> probe || Py.compare(v, arg(args, 0, false), ">") > 0;
            case "ge", ">=" -> probe || Py.compare(v, arg(args, 0, false), ">=") >= 0;
            case "in" -> probe || Py.contains(arg(args, 0, false), v);
            case "sameas" -> v == arg(args, 0, probe) || (v instanceof Boolean && v.equals(arg(args, 0, probe)));
            case "escaped" -> false;
            case "filter" -> Filters.exists(Py.str(arg(args, 0, probe)));
            case "test" -> exists(Py.str(arg(args, 0, probe)));
            default -> throw new TemplateException("no test named '" + name + "'");
        };
    }

    private static Object num(Object v) {
        if (v == null) {
            return 0L;
        }
        if (!Py.isNumber(v)) {
            throw new TemplateException("a number is required, not " + Py.typeName(v));
        }
        return v;
    }

    private static Object arg(List<Object> args, int i, boolean probe) {
        if (i < args.size()) {
            return args.get(i);
        }
        if (probe) {
            return null;
        }
        throw new TemplateException("the test needs an argument");
    }
}
