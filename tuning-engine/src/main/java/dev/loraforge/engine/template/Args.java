package dev.loraforge.engine.template;

import java.util.List;
import java.util.Map;

/** Python-style argument binding for builtins: positional index or keyword name, with defaults. */
final class Args {

    static final Object REQUIRED = new Object();

    private final String fn;
    private final List<Object> args;
    private final Map<String, Object> kwargs;

    Args(String fn, List<Object> args, Map<String, Object> kwargs) {
        this.fn = fn;
        this.args = args;
        this.kwargs = kwargs;
    }

    boolean present(int index, String name) {
        return index < args.size() || kwargs.containsKey(name);
    }

    Object get(int index, String name, Object dflt) {
        if (index >= 0 && index < args.size()) {
            return args.get(index);
        }
        if (kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        if (dflt == REQUIRED) {
            throw new TemplateException(fn + "() missing required argument '" + name + "'");
        }
        return dflt;
    }

    String string(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateException(fn + "() argument must be str, not " + Py.typeName(v));
    }

    String requireString(int index, String name) {
        return string(get(index, name, REQUIRED));
    }

    /** A str argument that may be absent or None. */
    String optString(int index, String name) {
        Object v = get(index, name, null);
        return v == null ? null : string(v);
    }

    long optInt(int index, String name, long dflt) {
        Object v = get(index, name, dflt);
        if (v == null) {
            return dflt;
        }
        if (!Py.isInt(v)) {
            throw new TemplateException(fn + "() argument '" + name + "' must be int, not " + Py.typeName(v));
        }
        return Py.toLong(v);
    }

    boolean optBool(int index, String name, boolean dflt) {
        return Py.truthy(get(index, name, dflt));
    }
}
