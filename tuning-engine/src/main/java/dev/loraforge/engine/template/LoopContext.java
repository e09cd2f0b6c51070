package dev.loraforge.engine.template;

import java.util.List;
import java.util.Map;

/** The {@code loop} variable of a for loop: index, index0, revindex, revindex0, first, last, length, previtem, nextitem, cycle. */
final class LoopContext {

    private final List<Object> items;
    private int index0;

    LoopContext(List<Object> items) {
        this.items = items;
    }

    void at(int i) {
        index0 = i;
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle" -> (PyCallable) this::cycle;
            default -> Undefined.attribute(this, name);
        };
    }

    private Object cycle(List<Object> args, Map<String, Object> kwargs) {
        if (args.isEmpty()) {
            throw new TemplateException("no items for cycling given");
        }
        return args.get(index0 % args.size());
    }
}
