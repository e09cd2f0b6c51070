package dev.loraforge.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python methods reachable as attributes: {@code str} methods, {@code dict.items/keys/values/get},
 * {@code list.index/count}. Mutating methods ({@code append}, {@code pop}, {@code update}...) exist but
 * refuse to run, as in transformers' ImmutableSandboxedEnvironment.
 */
final class Methods {

    private static final java.util.Set<String> MUTATING = java.util.Set.of("append", "extend", "insert", "pop", "remove",
            "sort", "reverse", "clear", "update", "setdefault", "popitem", "add", "discard");

    private Methods() {
    }

    /** The bound method {@code obj.name}, or null when {@code obj} has no such method. */
    static PyCallable bind(Object obj, String name) {
        if (obj instanceof String s && Strings.has(name)) {
            return (args, kwargs) -> Strings.call(s, name, args, kwargs);
        }
        if (obj instanceof Map<?, ?> m) {
            switch (name) {
                case "items":
                    return (args, kwargs) -> {
                        List<Object> out = new ArrayList<>();
                        m.forEach((k, v) -> out.add(PyTuple.of(k, v)));
                        return out;
                    };
                case "keys":
                    return (args, kwargs) -> new ArrayList<>(m.keySet());
                case "values":
                    return (args, kwargs) -> new ArrayList<>(m.values());
                case "get":
                    return (args, kwargs) -> {
                        Args a = new Args("get", args, kwargs);
                        Object key = Py.findKey(m, a.get(0, "key", Args.REQUIRED));
                        return key != Py.MISSING ? m.get(key) : a.get(1, "default", null);
                    };
                case "copy":
                    return (args, kwargs) -> new java.util.LinkedHashMap<>(m);
                default:
                    break;
            }
        }
        if (obj instanceof List<?> l) {
            if (name.equals("index")) {
                return (args, kwargs) -> {
                    Object x = new Args("index", args, kwargs).get(0, "value", Args.REQUIRED);
                    for (int i = 0; i < l.size(); i++) {
                        if (Py.eq(l.get(i), x)) {
                            return (long) i;
                        }
                    }
                    throw new TemplateException(Py.repr(x) + " is not in list");
                };
            }
            if (name.equals("count")) {
                return (args, kwargs) -> {
                    Object x = new Args("count", args, kwargs).get(0, "value", Args.REQUIRED);
                    return l.stream().filter(y -> Py.eq(y, x)).count();
                };
            }
        }
        if ((obj instanceof List || obj instanceof Map) && MUTATING.contains(name)) {
            return (args, kwargs) -> {
                throw new TemplateException("access to attribute '" + name + "' of '" + Py.typeName(obj)
                        + "' object is unsafe (templates may not modify their input)");
            };
        }
        return null;
    }
}
