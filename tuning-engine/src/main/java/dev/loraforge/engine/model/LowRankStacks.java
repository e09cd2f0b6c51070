package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The LoRA factors of a set of adapters, stacked per projection for batched decoding (Punica's BGMV layout): entry 0
 * is zeros (a row without adapter), entry g + 1 adapter g's {@code A^T} (in, r) and {@code scaling * B^T} (r, out),
 * padded with zeros to the set's largest rank for that projection. Built lazily, per projection, and kept while the
 * same adapters share the batch (rows joining or leaving on them cost nothing); a new adapter makes a new set.
 */
final class LowRankStacks implements AutoCloseable {

    /** A projection's stacks: (G + 1, in, r) and (G + 1, r, out); null when no adapter of the set has a term there. */
    record Stack(NDArray aT, NDArray bT) {
    }

    private final List<Adapter> adapters;
    private final Map<Adapter, Integer> index = new IdentityHashMap<>();
    private final NDManager manager;
    private final Map<String, Stack> stacks = new HashMap<>();

    LowRankStacks(List<Adapter> adapters, NDManager parent) {
        this.adapters = List.copyOf(adapters);
        for (int i = 0; i < this.adapters.size(); i++) {
            index.put(this.adapters.get(i), i + 1);
        }
        this.manager = parent.newSubManager();
    }

    /** Whether this set is exactly {@code others} (as objects, in any order). */
    boolean holds(Set<Adapter> others) {
        return others.size() == adapters.size() && others.stream().allMatch(index::containsKey);
    }

    /** The stack entry of a row's adapter (0 for none). */
    int entry(Adapter adapter) {
        return adapter == null ? 0 : index.get(adapter);
    }

    synchronized Stack stack(int layer, String module, DataType type) {
        String key = layer + "/" + module + "/" + type;
        if (stacks.containsKey(key)) {
            return stacks.get(key);
        }
        List<Adapter.LowRank> terms = new ArrayList<>();
        int rmax = 0;
        long in = -1;
        long out = -1;
        for (Adapter a : adapters) {
            Adapter.LowRank t = a.lowRank(layer, module);
            terms.add(t);
            if (t != null) {
                rmax = Math.max(rmax, (int) t.a().getShape().get(0));
                in = t.a().getShape().get(1);
                out = t.b().getShape().get(0);
            }
        }
        Stack stack = null;
        if (rmax > 0) {
            NDList aTs = new NDList();
            NDList bTs = new NDList();
            aTs.add(manager.zeros(new Shape(1, in, rmax), type));
            bTs.add(manager.zeros(new Shape(1, rmax, out), type));
            for (Adapter.LowRank t : terms) {
                if (t == null) {
                    aTs.add(manager.zeros(new Shape(1, in, rmax), type));
                    bTs.add(manager.zeros(new Shape(1, rmax, out), type));
                    continue;
                }
                int r = (int) t.a().getShape().get(0);
                NDArray a = own(own(t.a().toType(type, true)).transpose());                       // (in, r)
                NDArray b = own(own(own(t.b().toType(type, true)).mul((float) t.scaling())).transpose()); // (r, out)
                if (r < rmax) {
                    a = own(NDArrays.concat(new NDList(a, manager.zeros(new Shape(in, rmax - r), type)), 1));
                    b = own(NDArrays.concat(new NDList(b, manager.zeros(new Shape(rmax - r, out), type)), 0));
                }
                aTs.add(own(a.expandDims(0)));
                bTs.add(own(b.expandDims(0)));
            }
            stack = new Stack(own(NDArrays.concat(aTs, 0)), own(NDArrays.concat(bTs, 0)));
            // only the stacks are kept: the per-adapter pieces above are freed with the next set (same manager)
        }
        stacks.put(key, stack);
        return stack;
    }

    List<Adapter> adapters() {
        return Collections.unmodifiableList(adapters);
    }

    private NDArray own(NDArray x) {
        return Ops.into(x, manager);
    }

    @Override
    public void close() {
        manager.close();
    }
}
