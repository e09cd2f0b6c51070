package dev.loraforge.engine.template;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Jinja2 template compiled for the environment Hugging Face transformers renders chat templates in:
 * {@code trim_blocks}, {@code lstrip_blocks}, loop controls ({@code break}/{@code continue}), no
 * autoescaping, a {@code tojson} filter that is Python's {@code json.dumps}, and the globals
 * {@code raise_exception(message)}, {@code strftime_now(format)}, {@code namespace(...)},
 * {@code range(...)} and {@code dict(...)}.
 */
public final class Template {

    private final List<Node> nodes;
    private final Clock clock;

    private Template(List<Node> nodes, Clock clock) {
        this.nodes = nodes;
        this.clock = clock;
    }

    /**
     * @param source the template text
     * @param clock  what {@code strftime_now} reads (local date-time in the clock's zone)
     * @throws TemplateSyntaxException naming the line, column and construct that cannot be parsed
     */
    public static Template compile(String source, Clock clock) {
        return new Template(Parser.parse(source), clock);
    }

    public static Template compile(String source) {
        return compile(source, Clock.systemDefaultZone());
    }

    /**
     * Renders with the given variables, plain Java values (Map, List, String, Number, Boolean, null).
     * A variable that is absent is undefined; one mapped to null is Python's {@code None}.
     *
     * @throws RaisedException    when the template calls {@code raise_exception}
     * @throws TemplateException  when an operation fails as it would in Python
     */
    public String render(Map<String, ?> variables) {
        return new Renderer(globals()).render(nodes, new LinkedHashMap<>(variables));
    }

    private Map<String, Object> globals() {
        Map<String, Object> g = new HashMap<>();
        g.put("raise_exception", (PyCallable) (args, kwargs) -> {
            throw new RaisedException(args.isEmpty() ? "" : Py.str(args.get(0)));
        });
        g.put("strftime_now", (PyCallable) (args, kwargs) ->
                Strftime.format(Py.str(new Args("strftime_now", args, kwargs).get(0, "format", Args.REQUIRED)),
                        LocalDateTime.now(clock)));
        g.put("namespace", (PyCallable) (args, kwargs) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (!(a instanceof Map<?, ?> m)) {
                    throw new TemplateException("namespace() takes a mapping or keyword arguments");
                }
                m.forEach((k, v) -> ns.attrs.put(Py.str(k), v));
            }
            ns.attrs.putAll(kwargs);
            return ns;
        });
        g.put("dict", (PyCallable) (args, kwargs) -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            for (Object a : args) {
                if (a instanceof Map<?, ?> m) {
                    d.putAll(m);
                }
            }
            d.putAll(kwargs);
            return d;
        });
        g.put("range", (PyCallable) (args, kwargs) -> {
            long start = args.size() > 1 ? Py.toLong(args.get(0)) : 0;
            long stop = Py.toLong(args.get(args.size() > 1 ? 1 : 0));
            long step = args.size() > 2 ? Py.toLong(args.get(2)) : 1;
            if (step == 0) {
                throw new TemplateException("range() arg 3 must not be zero");
            }
            List<Object> out = new java.util.ArrayList<>();
            for (long k = start; step > 0 ? k < stop : k > stop; k += step) {
                out.add(k);
            }
            return out;
        });
        return g;
    }
}
