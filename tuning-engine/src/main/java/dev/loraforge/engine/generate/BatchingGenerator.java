package dev.loraforge.engine.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.GradMode;
import dev.loraforge.engine.model.KvCache;
import dev.loraforge.engine.model.LlamaModel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching on one base model (as S-LoRA, Punica and LoRAX serve many adapters): one decoding thread runs
 * every active request's next token in one {@link LlamaModel#decodeStep} per step, each request with its own KV cache,
 * sampler and adapter (or none). Requests join between steps (the prompts of those joining prefilled together in one
 * forward, {@link LlamaModel#prefillRows}, then they decode with the others) and leave as soon as they end or are cancelled, freeing their cache at once. A request decodes exactly
 * as {@link Generator} decodes it alone: same sampler, same stop rules, the same logits up to float rounding.
 *
 * <p>Admission: a request needs {@code prompt + max_new_tokens} cache positions; requests are admitted in arrival
 * order while the active ones' needs fit {@link Limits#kvTokens()} and fewer than {@link Limits#maxBatch()} run; the
 * others wait in a queue of at most {@link Limits#maxQueued()}, beyond which {@link #submit} refuses with
 * {@link Overloaded}. Prefix-tuning adapters cannot share a step (their learned positions precede the sequence): use
 * {@link Generator} for them.
 *
 * <p>Tokens are handed to the caller through its {@link Request}'s queue, never by calling back into it from the
 * decoding thread, so a slow reader does not hold up the batch.
 */
public final class BatchingGenerator implements AutoCloseable {

    /**
     * @param maxBatch  most requests decoding together
     * @param kvTokens  cache positions (prompt + max new tokens, summed over the active requests) the batch may hold
     * @param maxQueued most requests waiting for admission; more are refused
     */
    public record Limits(int maxBatch, long kvTokens, int maxQueued) {
        public Limits {
            if (maxBatch < 1 || kvTokens < 1 || maxQueued < 0) {
                throw new IllegalArgumentException("limits must be positive (max_batch " + maxBatch + ", kv_tokens "
                        + kvTokens + ", max_queued " + maxQueued + ")");
            }
        }
    }

    /** The queue is full (or a request can never fit the cache budget): answer 429 and let the client retry. */
    public static final class Overloaded extends RuntimeException {
        private final boolean everFits;

        Overloaded(String message, boolean everFits) {
            super(message);
            this.everFits = everFits;
        }

        /** False when the request alone needs more cache than the budget (retrying will not help). */
        public boolean everFits() {
            return everFits;
        }
    }

    private static final Object END = new Object();

    /** A token handed to the reader, with its log-probabilities when asked for. */
    private record Token(int id, TokenLogprobs logprobs) {
    }

    private final LlamaModel model;
    private final Limits limits;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Deque<Request> waiting = new ArrayDeque<>();
    private final List<Request> active = new ArrayList<>();
    private final Thread loop;
    private volatile boolean closed;
    private long kvReserved;   // guarded by lock: needs of the active requests
    private volatile long steps; // batched decode steps run (for tests and metrics)

    public BatchingGenerator(LlamaModel model, Limits limits, String threadName) {
        this.model = model;
        this.limits = limits;
        this.loop = new Thread(this::run, threadName);
        this.loop.setDaemon(true);
        this.loop.start();
    }

    /** One submitted request: read its tokens with {@link #next}, end it early with {@link #cancel}. */
    public final class Request {
        private final int[] prompt;
        private final Adapter adapter;
        private final GenerationOptions options;
        private final List<Integer> eos;
        private final int budget;
        private final long need;
        private final BlockingQueue<Object> out = new LinkedBlockingQueue<>();
        private final Runnable onOutput;
        private final List<Integer> tokens = new ArrayList<>();
        private TokenLogprobs lastLogprobs; // the reader's: set by next()
        private volatile boolean cancelled;
        private TokenSampler sampler;
        private KvCache cache;
        private int last;
        private GenerationResult result;
        private RuntimeException failure;

        private Request(int[] prompt, Adapter adapter, GenerationOptions options, List<Integer> eos, int budget,
                        Runnable onOutput) {
            this.onOutput = onOutput;
            this.prompt = prompt.clone();
            this.adapter = adapter;
            this.options = options;
            this.eos = eos;
            this.budget = budget;
            this.need = (long) prompt.length + budget;
        }

        /**
         * The next token, waiting up to {@code timeout}; -1 when the request has ended (then see {@link #result()}),
         * -2 when nothing came within the timeout ({@link Duration#ZERO}: do not wait).
         *
         * @throws RuntimeException what made decoding fail
         */
        public int next(Duration timeout) throws InterruptedException {
            Object o = timeout.isZero() ? out.poll() : out.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (o == null) {
                return -2;
            }
            if (o == END) {
                out.add(END); // stays ended for later calls
                if (failure != null) {
                    throw failure;
                }
                return -1;
            }
            Token t = (Token) o;
            lastLogprobs = t.logprobs();
            return t.id();
        }

        /** The log-probabilities of the token {@link #next} returned last (null unless the options ask for them). */
        public TokenLogprobs lastLogprobs() {
            return lastLogprobs;
        }

        /** The whole result once {@link #next} returned -1 (finish reason stop, length or cancelled). */
        public GenerationResult result() {
            return result;
        }

        /** Ends the request at the next step boundary and frees its cache (a queued request never starts). */
        public void cancel() {
            cancelled = true;
            lock.lock();
            try {
                work.signalAll();
            } finally {
                lock.unlock();
            }
        }

        private void emit(int token, TokenLogprobs logprobs) {
            tokens.add(token);
            out.add(new Token(token, logprobs));
            signal();
        }

        private void finish(String reason) {
            result = new GenerationResult(tokens.stream().mapToInt(Integer::intValue).toArray(), reason);
            out.add(END);
            signal();
        }

        private void fail(RuntimeException e) {
            failure = e;
            out.add(END);
            signal();
        }

        private void signal() {
            if (onOutput != null) {
                onOutput.run();
            }
        }
    }

    /**
     * Queues a request; it starts when admitted (see the class comment).
     *
     * @throws Overloaded when the queue is full or the request can never fit the cache budget
     */
    public Request submit(int[] promptIds, Adapter adapterOrNull, GenerationOptions options) {
        return submit(promptIds, adapterOrNull, options, null);
    }

    /**
     * As {@link #submit(int[], Adapter, GenerationOptions)}, running {@code onOutput} (from the decoding thread; it must
     * return at once, e.g. release a semaphore) after each token or end is queued, so one reader can follow several
     * requests (the n choices of one completion).
     */
    public Request submit(int[] promptIds, Adapter adapterOrNull, GenerationOptions options, Runnable onOutput) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (adapterOrNull != null && adapterOrNull.prefixLength() > 0) {
            throw new IllegalArgumentException("a prefix-tuning adapter cannot share batched steps; generate alone");
        }
        int room = model.config().maxPositionEmbeddings() - promptIds.length;
        if (room <= 0) {
            throw new IllegalArgumentException("the prompt (" + promptIds.length + " tokens) leaves no room under "
                    + "max_position_embeddings (" + model.config().maxPositionEmbeddings() + ")");
        }
        List<Integer> eos = options.eosTokenIds().isEmpty() ? model.eosTokenIds() : options.eosTokenIds();
        Request r = new Request(promptIds, adapterOrNull, options, eos, Math.min(options.maxNewTokens(), room), onOutput);
        if (r.need > limits.kvTokens()) {
            throw new Overloaded("the request needs " + r.need + " cache positions (prompt " + promptIds.length
                    + " + max_tokens " + r.budget + "), more than this server's budget of " + limits.kvTokens()
                    + "; ask for fewer tokens", false);
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the generator is closed");
            }
            if (waiting.size() >= limits.maxQueued() && !(active.size() < limits.maxBatch()
                    && kvReserved + r.need <= limits.kvTokens() && waiting.isEmpty())) {
                throw new Overloaded(waiting.size() + " requests are waiting for this model (at most "
                        + limits.maxQueued() + "); retry shortly", true);
            }
            waiting.add(r);
            work.signalAll();
        } finally {
            lock.unlock();
        }
        return r;
    }

    /** Cache positions reserved by the active requests (0 when idle). */
    public long kvTokensInUse() {
        lock.lock();
        try {
            return kvReserved;
        } finally {
            lock.unlock();
        }
    }

    /** Requests decoding now and waiting. */
    public int[] load() {
        lock.lock();
        try {
            return new int[] {active.size(), waiting.size()};
        } finally {
            lock.unlock();
        }
    }

    /** Batched steps run so far. */
    public long steps() {
        return steps;
    }

    private void run() {
        GradMode.offOnThisThread();
        while (!closed) {
            List<Request> joining = new ArrayList<>();
            lock.lock();
            try {
                dropCancelledWaiting();
                while (!waiting.isEmpty() && active.size() + joining.size() < limits.maxBatch()
                        && kvReserved + waiting.peek().need <= limits.kvTokens()) {
                    Request r = waiting.poll();
                    kvReserved += r.need;
                    joining.add(r);
                }
                if (joining.isEmpty() && active.isEmpty()) {
                    try {
                        work.await(200, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    continue;
                }
            } finally {
                lock.unlock();
            }
            prefill(joining);
            step();
        }
        lock.lock();
        try {
            for (Request r : List.copyOf(active)) {
                end(r, null);
                r.fail(new IllegalStateException("the generator was closed"));
            }
            for (Request r : waiting) {
                r.fail(new IllegalStateException("the generator was closed"));
            }
            waiting.clear();
        } finally {
            lock.unlock();
        }
    }

    private void dropCancelledWaiting() {
        waiting.removeIf(r -> {
            if (r.cancelled) {
                r.finish("cancelled");
                return true;
            }
            return false;
        });
    }

    /**
     * The joining requests' prompts in one forward (left-padded to the longest), each into its own cache, then each
     * one's first token.
     */
    private void prefill(List<Request> joining) {
        List<Request> rows = new ArrayList<>();
        for (Request r : joining) {
            if (r.cancelled) {
                release(r, "cancelled");
            } else {
                rows.add(r);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        float[][] logits = new float[rows.size()][];
        try {
            int width = rows.stream().mapToInt(r -> r.prompt.length).max().orElseThrow();
            long[] ids = new long[rows.size() * width];            // padding: id 0, masked out
            int[] lengths = new int[rows.size()];
            List<KvCache> caches = new ArrayList<>(rows.size());
            Adapter[] adapters = new Adapter[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                Request r = rows.get(i);
                lengths[i] = r.prompt.length;
                for (int j = 0; j < r.prompt.length; j++) {
                    ids[i * width + width - r.prompt.length + j] = r.prompt[j];
                }
                r.sampler = new TokenSampler(r.options);
                r.cache = new KvCache(model.config(), model.manager());
                caches.add(r.cache);
                adapters[i] = r.adapter;
            }
            try (NDManager step = model.manager().newSubManager()) {
                NDArray out = model.prefillRows(step.create(ids, new Shape(rows.size(), width)), lengths, caches, adapters);
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = out.get(i, 0).toFloatArray();
                }
            }
        } catch (RuntimeException e) {
            if (rows.size() > 1) {
                // one request's failure must not fail the others joining with it: each is prefilled on its own
                for (Request r : rows) {
                    if (r.cache != null) {
                        r.cache.close();
                        r.cache = null;
                    }
                }
                for (Request r : rows) {
                    prefill(List.of(r));
                }
                return;
            }
            lock.lock();
            try {
                end(rows.get(0), null);
            } finally {
                lock.unlock();
            }
            rows.get(0).fail(e);
            return;
        }
        for (int i = 0; i < rows.size(); i++) {
            Request r = rows.get(i);
            if (accept(r, logits[i])) {
                lock.lock();
                try {
                    active.add(r);
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** One batched step for every active request, then each one's next token. */
    private void step() {
        List<Request> rows;
        lock.lock();
        try {
            for (Request r : List.copyOf(active)) {
                if (r.cancelled) {
                    end(r, "cancelled");
                }
            }
            rows = List.copyOf(active);
        } finally {
            lock.unlock();
        }
        if (rows.isEmpty()) {
            return;
        }
        float[][] logits = new float[rows.size()][];
        try (NDManager step = model.manager().newSubManager()) {
            long[] ids = new long[rows.size()];
            List<KvCache> caches = new ArrayList<>(rows.size());
            Adapter[] adapters = new Adapter[rows.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rows.get(i).last;
                caches.add(rows.get(i).cache);
                adapters[i] = rows.get(i).adapter;
            }
            NDArray out = model.decodeStep(step.create(ids, new Shape(ids.length, 1)), caches, adapters); // (B, 1, V)
            for (int i = 0; i < logits.length; i++) {
                logits[i] = out.get(i, 0).toFloatArray();
            }
            steps++;
        } catch (RuntimeException e) {
            lock.lock();
            try {
                for (Request r : rows) {
                    end(r, null);
                    r.fail(e);
                }
            } finally {
                lock.unlock();
            }
            return;
        }
        for (int i = 0; i < rows.size(); i++) {
            accept(rows.get(i), logits[i]); // an ending request leaves the active set in release()
        }
    }

    /** Generator's rules for one token: EOS ends it, else emit; the budget ends it. True while it goes on. */
    private boolean accept(Request r, float[] logits) {
        int next = r.sampler.next(logits);
        if (r.eos.contains(next)) {
            release(r, "stop");
            return false;
        }
        r.emit(next, r.options.logprobs() ? TokenLogprobs.of(logits, next, r.options.topLogprobs()) : null);
        if (r.tokens.size() >= r.budget) {
            release(r, "length");
            return false;
        }
        r.last = next;
        return true;
    }

    private void release(Request r, String reason) {
        lock.lock();
        try {
            end(r, reason);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the request out of the batch, frees its cache and reservation (caller holds the lock) and finishes it when
     * {@code reason} is set: all at once, so the batch's load and reservations never count a request that has ended.
     */
    private void end(Request r, String reason) {
        active.remove(r);
        if (r.cache != null) {
            r.cache.close();
            r.cache = null;
        }
        kvReserved -= r.need;
        if (reason != null) {
            r.finish(reason);
        }
    }

    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            loop.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
