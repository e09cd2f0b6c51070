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
 * A different adapter (or none) for each row of one forward, the base weights shared and never merged (S-LoRA,
 * Punica). LoRA adapters ({@link Adapter#servesLowRank()}) are applied together as Punica's BGMV does: each row picks
 * its adapter's factors from the batch's {@link LowRankStacks} and two batched matmuls add every row's own rank-r term,
 * so adapters of different ranks and target modules share one step. Other adapters fall back to a term computed on
 * their own rows (gathered and scattered with one-hot matmuls). Prefix adapters cannot share a step (their learned
 * positions change the sequence). One step's object: its arrays live in the step's manager.
 */
final class RowAdapters implements Adapter {

    /** One adapter's rows: its row indices as gather (n, B) and scatter (B, n) matrices (the fallback path). */
    private record Group(Adapter adapter, int rows, NDArray gather, NDArray scatter) {
    }

    private final int batch;
    private final List<Adapter> distinct = new ArrayList<>();
    private final List<Group> groups = new ArrayList<>();
    private final boolean lowRank;
    private final boolean everyRowAdapted;
    private LowRankStacks stacks;
    private NDArray rowEntry;                              // (B) int64: each row's stack entry (0 = none)
    private boolean inStackOrder;                          // row i uses entry i + 1: the stacks are read without a gather
    private final NDManager step;

    /** @param rowAdapters per row, null for the base alone; the step's arrays live in {@code step} */
    RowAdapters(Adapter[] rowAdapters, NDManager step) {
        this.batch = rowAdapters.length;
        this.step = step;
        Map<Adapter, List<Integer>> rowsOf = new IdentityHashMap<>();
        boolean allLowRank = true;
        boolean all = true;
        for (int i = 0; i < batch; i++) {
            Adapter a = rowAdapters[i];
            if (a == null) {
                all = false;
                continue;
            }
            if (a.prefixLength() > 0) {
                throw new IllegalArgumentException("row " + i + " uses a prefix-tuning adapter: its learned positions"
                        + " cannot share a batched step; decode it on its own");
            }
            allLowRank &= a.servesLowRank();
            rowsOf.computeIfAbsent(a, k -> {
                distinct.add(k);
                return new ArrayList<>();
            }).add(i);
        }
        this.everyRowAdapted = all;
        this.lowRank = allLowRank;
        if (!lowRank) {
            for (Adapter a : distinct) {
                List<Integer> r = rowsOf.get(a);
                float[] onehot = new float[r.size() * batch];
                for (int k = 0; k < r.size(); k++) {
                    onehot[k * batch + r.get(k)] = 1f;
                }
                NDArray gather = step.create(onehot, new Shape(r.size(), batch));                  // (n, B)
                groups.add(new Group(a, r.size(), gather, gather.transpose()));                    // (B, n)
            }
        }
    }

    /** The distinct LoRA adapters of the rows, when the batched path applies (else empty). */
    List<Adapter> lowRankAdapters() {
        return lowRank ? List.copyOf(distinct) : List.of();
    }

    /** Uses {@code stacks} (holding exactly this step's adapters) for the batched path. */
    void use(LowRankStacks stacks, Adapter[] rowAdapters) {
        this.stacks = stacks;
        long[] entries = new long[batch];
        boolean ordered = true;
        for (int i = 0; i < batch; i++) {
            entries[i] = stacks.entry(rowAdapters[i]);
            ordered &= entries[i] == i + 1;
        }
        this.rowEntry = step.create(entries);
        this.inStackOrder = ordered && stacks.adapters().size() == batch;
    }

    /** The one adapter every row uses, or null when rows differ (or some use the base). */
    Adapter single() {
        return distinct.size() == 1 && everyRowAdapted ? distinct.get(0) : null;
    }

    boolean none() {
        return distinct.isEmpty();
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

    /** y (B, T, out) plus each row's own adapter term on its x (B, T, in). */
    @Override
    public NDArray adaptLinear(int layer, String module, NDArray x, NDArray y, boolean training) {
        if (lowRank) {
            LowRankStacks.Stack s = stacks.stack(layer, module, x.getDataType());
            if (s == null) {
                return y;
            }
            // each row's adapter (entry 0: zeros, no adapter); every row its own adapter in stack order: a slice, no copy
            NDArray aT = Ops.into(inStackOrder ? s.aT().get("1:") : s.aT().get(rowEntry), x.getManager()); // (B, in, r)
            NDArray bT = Ops.into(inStackOrder ? s.bT().get("1:") : s.bT().get(rowEntry), x.getManager()); // (B, r, out)
            return y.add(x.matMul(aT).matMul(bT));                          // (B, T, out)
        }
        long[] xs = x.getShape().getShape();
        long[] ys = y.getShape().getShape();
        NDArray flatX = x.reshape(batch, -1);                                           // (B, T*in)
        NDArray out = y;
        for (Group g : groups) {
            NDArray gather = g.gather().toType(x.getDataType(), false);
            NDArray scatter = g.scatter().toType(x.getDataType(), false);
            NDArray rowsX = gather.matMul(flatX).reshape(g.rows(), xs[1], xs[2]);        // (n, T, in)
            NDArray zero = step.zeros(new Shape(g.rows(), ys[1], ys[2]), y.getDataType(), y.getDevice());
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
        // the step's arrays go with the step's manager; the stacks and adapters belong to their owners
    }
}
