package dev.loraforge.engine.template;

import java.util.AbstractList;
import java.util.List;

/** An immutable Python tuple (from {@code (a, b)}, {@code dict.items()}); prints as {@code (a, b)}. */
final class PyTuple extends AbstractList<Object> {

    private final List<Object> items;

    PyTuple(List<Object> items) {
        this.items = items;
    }

    static PyTuple of(Object a, Object b) {
        return new PyTuple(java.util.Arrays.asList(a, b));
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
