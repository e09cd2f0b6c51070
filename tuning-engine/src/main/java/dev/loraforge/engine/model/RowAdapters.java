package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A different adapter (or none) for each row of one forward: each adapter's low-rank term is computed on its own rows
 * only, gathered and scattered back with one-hot selection matmuls (segmented by adapter, as Punica's SGMV and
 * S-LoRA do), so the base weights are shared and never merged. Adapters of different ranks and target modules mix
 * freely; prefix adapters do not (their learned positions change the sequence). Built for one step; not trainable.
 */
final class RowAdapters implements Adapter {

    /** One adapter's rows: its row indices as gather (n, B) and scatter (B, n) matrices. */
    private record Group(Adapter adapter, int rows, NDArray gather, NDArray scatter) {
    }

    private final List<Group> groups = new ArrayList<>();
    private final int batch;

    /** @param rowAdapters per row, null for the base alone; the selection matrices live in {@code step} */
    RowAdapters(Adapter[] rowAdapters, NDManager step, ai.djl.ndarray.types.DataType type) {
        this.batch = rowAdapters.length;
        Map<Adapter, List<Integer>> rowsOf = new IdentityHashMap<>();
        for (int i = 0; i < rowAdapters.length; i++) {
            Adapter a = rowAdapters[i];
            if (a == null) {
                continue;
            }
            if (a.prefixLength() > 0) {
                throw new IllegalArgumentException("row " + i + " uses a prefix-tuning adapter: its learned positions"
                        + " cannot share a batched step; decode it on its own");
            }
            rowsOf.computeIfAbsent(a, k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<Adapter, List<Integer>> e : rowsOf.entrySet()) {
            List<Integer> rows = e.getValue();
            float[] onehot = new float[rows.size() * batch];
            for (int k = 0; k < rows.size(); k++) {
                onehot[k * batch + rows.get(k)] = 1f;
            }
            NDArray gather = step.create(onehot, new Shape(rows.size(), batch)).toType(type, false); // (n, B)
            groups.add(new Group(e.getKey(), rows.size(), gather, gather.transpose()));                // (B, n)
        }
    }

    /** The one adapter every row uses, or null when rows differ (or all use the base). */
    Adapter single() {
        return groups.size() == 1 && groups.get(0).rows() == batch ? groups.get(0).adapter() : null;
    }

    boolean none() {
        return groups.isEmpty();
    }

    @Override
    public String peftType() {
        return "LORA";
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return Map.of();
    }

    @Override
    public void save(Path adapterDir) {
        throw new UnsupportedOperationException("a batch's per-row adapters are not saved");
    }

    /** y (B, T, out) plus, on each adapter's rows, that adapter's term computed on those rows' x (B, T, in). */
    @Override
    public NDArray adaptLinear(int layer, String module, NDArray x, NDArray y, boolean training) {
        long[] xs = x.getShape().getShape();
        long[] ys = y.getShape().getShape();
        NDArray flatX = x.reshape(batch, -1);                                           // (B, T*in)
        NDArray out = y;
        for (Group g : groups) {
            NDArray gather = g.gather().getDataType() == x.getDataType() ? g.gather() : g.gather().toType(x.getDataType(), false);
            NDArray scatter = g.scatter().getDataType() == x.getDataType() ? g.scatter() : g.scatter().toType(x.getDataType(), false);
            NDArray rowsX = gather.matMul(flatX).reshape(g.rows(), xs[1], xs[2]);        // (n, T, in)
            NDArray zero = rowsX.getManager().zeros(new Shape(g.rows(), ys[1], ys[2]), y.getDataType(), y.getDevice());
            NDArray delta = g.adapter().adaptLinear(layer, module, rowsX, zero, training); // (n, T, out)
            if (delta == zero) {
                continue;                                                               // no term for this module
            }
            out = out.add(scatter.matMul(delta.reshape(g.rows(), -1)).reshape(ys));      // (B, T, out)
        }
        return out;
    }

    @Override
    public void close() {
        // the selection matrices belong to the step's manager; the adapters to their owners
    }
}
