package dev.loraforge.engine.template;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a parsed template against a context. Scoping follows Jinja2: each for-loop iteration and
 * each macro call gets its own frame (a {@code set} inside does not leak out; {@code namespace}
 * objects carry state across), {@code if} blocks share their enclosing frame.
 */
final class Renderer {

    private final Map<String, Object> globals;

    Renderer(Map<String, Object> globals) {
        this.globals = globals;
    }

    /** A variable scope; lookups fall back to the parent, then to the globals. */
    final class Frame {
        final Map<String, Object> vars = new HashMap<>();
        final Frame parent;

        Frame(Frame parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Frame f = this; f != null; f = f.parent) {
                if (f.vars.containsKey(name)) {
                    return f.vars.get(name);
                }
            }
            if (globals.containsKey(name)) {
                return globals.get(name);
            }
            return Undefined.named(name);
        }
    }

    private static final class BreakSignal extends RuntimeException {
        BreakSignal() {
            super(null, null, false, false);
        }
    }

    private static final class ContinueSignal extends RuntimeException {
        ContinueSignal() {
            super(null, null, false, false);
        }
    }

    String render(List<Node> nodes, Map<String, Object> context) {
        Frame root = new Frame(null);
        context.forEach((k, v) -> root.vars.put(k, Py.fromJava(v)));
        StringBuilder out = new StringBuilder();
        try {
            exec(nodes, root, out);
        } catch (BreakSignal | ContinueSignal e) {
            throw new TemplateException("'break' or 'continue' outside a for loop");
        }
        return out.toString();
    }

    // ---- statements ----

    private void exec(List<Node> nodes, Frame f, StringBuilder out) {
        for (Node n : nodes) {
            exec(n, f, out);
        }
    }

    private void exec(Node node, Frame f, StringBuilder out) {
        if (node instanceof Node.Text t) {
            out.append(t.text());
        } else if (node instanceof Node.Output o) {
            out.append(Py.str(eval(o.expr(), f)));
        } else if (node instanceof Node.If n) {
            for (int k = 0; k < n.conds().size(); k++) {
                if (Py.truthy(eval(n.conds().get(k), f))) {
                    exec(n.bodies().get(k), f, out);
                    return;
                }
            }
            exec(n.elseBody(), f, out);
        } else if (node instanceof Node.For n) {
            execFor(n, f, out);
        } else if (node instanceof Node.Set n) {
            assign(n.targets(), eval(n.value(), f), f);
        } else if (node instanceof Node.SetAttr n) {
            Object ns = f.lookup(n.namespace());
            if (!(ns instanceof Namespace namespace)) {
                throw new TemplateException("cannot assign attribute on non-namespace object '" + n.namespace() + "'");
            }
            namespace.attrs.put(n.attr(), eval(n.value(), f));
        } else if (node instanceof Node.SetBlock n) {
            StringBuilder body = new StringBuilder();
            exec(n.body(), f, body);
            Object v = body.toString();
            for (Expr.Filter flt : n.filters()) {
                v = applyFilter(flt, v, f);
            }
            f.vars.put(n.name(), v);
        } else if (node instanceof Node.FilterBlock n) {
            StringBuilder body = new StringBuilder();
            exec(n.body(), f, body);
            out.append(Py.str(applyFilter(n.filter(), body.toString(), f)));
        } else if (node instanceof Node.Macro n) {
            f.vars.put(n.name(), macro(n, f));
        } else if (node instanceof Node.Generation n) {
            exec(n.body(), f, out);
        } else if (node instanceof Node.Break) {
            throw new BreakSignal();
        } else if (node instanceof Node.Continue) {
            throw new ContinueSignal();
        }
    }

    private void execFor(Node.For n, Frame f, StringBuilder out) {
        Object iterable = eval(n.iter(), f);
        if (iterable == null) {
            throw new TemplateException("'NoneType' object is not iterable (for loop, line " + n.line() + ")");
        }
        List<Object> items = Py.iterate(iterable);
        if (n.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Frame probe = new Frame(f);
                assign(n.targets(), item, probe);
                if (Py.truthy(eval(n.filter(), probe))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            exec(n.elseBody(), f, out);
            return;
        }
        LoopContext loop = new LoopContext(items);
        for (int k = 0; k < items.size(); k++) {
            Frame iteration = new Frame(f);
            loop.at(k);
            iteration.vars.put("loop", loop);
            assign(n.targets(), items.get(k), iteration);
            try {
                exec(n.body(), iteration, out);
            } catch (ContinueSignal c) {
                // next iteration
            } catch (BreakSignal b) {
                break;
            }
        }
    }

    private void assign(List<String> targets, Object value, Frame f) {
        if (targets.size() == 1) {
            f.vars.put(targets.get(0), value);
            return;
        }
        List<Object> parts = Py.iterate(value);
        if (parts.size() != targets.size()) {
            throw new TemplateException("cannot unpack " + parts.size() + " values into " + targets.size() + " names");
        }
        for (int k = 0; k < targets.size(); k++) {
            f.vars.put(targets.get(k), parts.get(k));
        }
    }

    private PyCallable macro(Node.Macro m, Frame defining) {
        return (args, kwargs) -> {
            if (args.size() > m.params().size()) {
                throw new TemplateException("macro '" + m.name() + "' takes not more than " + m.params().size() + " argument(s)");
            }
            Frame call = new Frame(defining);
            for (int k = 0; k < m.params().size(); k++) {
                String p = m.params().get(k);
                Object v;
                if (k < args.size()) {
                    v = args.get(k);
                } else if (kwargs.containsKey(p)) {
                    v = kwargs.get(p);
                } else if (m.defaults().get(k) != null) {
                    v = eval(m.defaults().get(k), call);
                } else {
                    v = Undefined.named(p);
                }
                call.vars.put(p, v);
            }
            for (String k : kwargs.keySet()) {
                if (!m.params().contains(k)) {
                    throw new TemplateException("macro '" + m.name() + "' takes no keyword argument '" + k + "'");
                }
            }
            StringBuilder body = new StringBuilder();
            try {
                exec(m.body(), call, body);
            } catch (BreakSignal | ContinueSignal e) {
                throw new TemplateException("'break' or 'continue' outside a for loop in macro '" + m.name() + "'");
            }
            return body.toString();
        };
    }

    // ---- expressions ----

    Object eval(Expr e, Frame f) {
        if (e instanceof Expr.Const c) {
            return c.value();
        }
        if (e instanceof Expr.Name n) {
            return f.lookup(n.name());
        }
        if (e instanceof Expr.GetAttr g) {
            return getattr(eval(g.obj(), f), g.name());
        }
        if (e instanceof Expr.GetItem g) {
            return getitem(eval(g.obj(), f), eval(g.key(), f));
        }
        if (e instanceof Expr.Filter flt) {
            return applyFilter(flt, eval(flt.value(), f), f);
        }
        if (e instanceof Expr.Binary b) {
            return Py.binary(b.op(), eval(b.left(), f), eval(b.right(), f));
        }
        if (e instanceof Expr.Compare c) {
            return compare(c, f);
        }
        if (e instanceof Expr.Call c) {
            return call(c, f);
        }
        if (e instanceof Expr.Test t) {
            List<Object> args = new ArrayList<>();
            t.args().forEach(x -> args.add(eval(x, f)));
            boolean r = Tests.apply(t.name(), eval(t.value(), f), args, false);
            return t.negated() != r;
        }
        if (e instanceof Expr.Unary u) {
            Object v = eval(u.operand(), f);
            return switch (u.op()) {
                case "not" -> !Py.truthy(v);
                case "-" -> Py.binary("-", 0L, v);
                default -> Py.binary("+", 0L, v);
            };
        }
        if (e instanceof Expr.And a) {
            Object l = eval(a.left(), f);
            return Py.truthy(l) ? eval(a.right(), f) : l;
        }
        if (e instanceof Expr.Or o) {
            Object l = eval(o.left(), f);
            return Py.truthy(l) ? l : eval(o.right(), f);
        }
        if (e instanceof Expr.Concat c) {
            StringBuilder sb = new StringBuilder();
            c.parts().forEach(x -> sb.append(Py.str(eval(x, f))));
            return sb.toString();
        }
        if (e instanceof Expr.CondExpr c) {
            if (Py.truthy(eval(c.cond(), f))) {
                return eval(c.then(), f);
            }
            return c.otherwise() == null
                    ? new Undefined("the inline if-expression evaluated to false and no else section was defined")
                    : eval(c.otherwise(), f);
        }
        if (e instanceof Expr.Slice s) {
            return Py.slice(eval(s.obj(), f), s.start() == null ? null : eval(s.start(), f),
                    s.stop() == null ? null : eval(s.stop(), f), s.step() == null ? null : eval(s.step(), f));
        }
        if (e instanceof Expr.ListLit l) {
            List<Object> out = new ArrayList<>();
            l.items().forEach(x -> out.add(eval(x, f)));
            return out;
        }
        if (e instanceof Expr.TupleLit t) {
            List<Object> out = new ArrayList<>();
            t.items().forEach(x -> out.add(eval(x, f)));
            return new PyTuple(out);
        }
        Expr.DictLit d = (Expr.DictLit) e;
        Map<Object, Object> out = new LinkedHashMap<>();
        for (int k = 0; k < d.keys().size(); k++) {
            out.put(eval(d.keys().get(k), f), eval(d.values().get(k), f));
        }
        return out;
    }

    private Object compare(Expr.Compare c, Frame f) {
        Object left = eval(c.first(), f);
        for (int k = 0; k < c.ops().size(); k++) {
            Object right = eval(c.rest().get(k), f);
            String op = c.ops().get(k);
            boolean ok = switch (op) {
                case "==" -> Py.eq(left, right);
                case "!=" -> !Py.eq(left, right);
                case "<" -> Py.compare(left, right, op) < 0;
                case ">" -> Py.compare(left, right, op) > 0;
                case "<=" -> Py.compare(left, right, op) <= 0;
                case ">=" -> Py.compare(left, right, op) >= 0;
                case "in" -> Py.contains(right, left);
                default -> !Py.contains(right, left);
            };
            if (!ok) {
                return false;
            }
            left = right;
        }
        return true;
    }

    private Object call(Expr.Call c, Frame f) {
        Object fn = eval(c.fn(), f);
        List<Object> args = new ArrayList<>();
        c.args().forEach(x -> args.add(eval(x, f)));
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int k = 0; k < c.kwNames().size(); k++) {
            kwargs.put(c.kwNames().get(k), eval(c.kwValues().get(k), f));
        }
        if (fn instanceof PyCallable callable) {
            return callable.call(args, kwargs);
        }
        if (fn instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateException("'" + Py.typeName(fn) + "' object is not callable");
    }

    private Object applyFilter(Expr.Filter flt, Object value, Frame f) {
        List<Object> args = new ArrayList<>();
        flt.args().forEach(x -> args.add(eval(x, f)));
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int k = 0; k < flt.kwNames().size(); k++) {
            kwargs.put(flt.kwNames().get(k), eval(flt.kwValues().get(k), f));
        }
        return Filters.apply(this, flt.name(), value, args, kwargs);
    }

    // ---- attribute and item access ----

    /** Jinja's {@code obj.name}: a Python attribute (a method of str/dict/list) first, then {@code obj['name']}. */
    Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        Object method = Methods.bind(obj, name);
        if (method != null) {
            return method;
        }
        if (obj instanceof Namespace ns) {
            return ns.attrs.containsKey(name) ? ns.attrs.get(name) : Undefined.attribute(obj, name);
        }
        if (obj instanceof LoopContext loop) {
            return loop.attribute(name);
        }
        if (obj instanceof Map<?, ?> m) {
            Object key = Py.findKey(m, name);
            return key != Py.MISSING ? m.get(key) : Undefined.attribute(obj, name);
        }
        return Undefined.attribute(obj, name);
    }

    /** Jinja's {@code obj[key]}: the item first, then for a string key the attribute. */
    Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (obj instanceof Map<?, ?> m) {
            Object k = Py.findKey(m, key);
            if (k != Py.MISSING) {
                return m.get(k);
            }
        } else if ((obj instanceof List || obj instanceof String) && Py.isInt(key)) {
            List<Object> items = obj instanceof List<?> l ? new ArrayList<>(l) : Py.iterate(obj);
            long i = Py.toLong(key);
            if (i < 0) {
                i += items.size();
            }
            if (i >= 0 && i < items.size()) {
                return items.get((int) i);
            }
            return new Undefined("'" + Py.typeName(obj) + " object' has no element " + key);
        }
        if (key instanceof String s && !(obj instanceof Map)) {
            return getattr(obj, s);
        }
        if (key instanceof String s && Methods.bind(obj, s) != null) {
            return Methods.bind(obj, s);
        }
        return new Undefined("'" + Py.typeName(obj) + " object' has no element " + Py.repr(key));
    }

    /** Filters' {@code attribute=} lookup: dotted path, integer parts index. */
    Object attribute(Object obj, Object attribute) {
        if (!(attribute instanceof String path)) {
            return getitem(obj, attribute);
        }
        Object v = obj;
        for (String part : path.split("\\.")) {
            v = !part.isEmpty() && part.chars().allMatch(Character::isDigit) ? getitem(v, Long.parseLong(part)) : getitem(v, part);
        }
        return v;
    }
}
