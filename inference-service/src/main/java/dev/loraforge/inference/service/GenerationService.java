package dev.loraforge.inference.service;

import dev.loraforge.engine.generate.BatchingGenerator;
import dev.loraforge.engine.generate.GenerationOptions;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.inference.config.InferenceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Serves generations: a request takes a slot (at most {@code inference.max-concurrent} run at once),
 * leases its base model and adapter from {@link ModelStore}, renders the prompt and decodes with the
 * base's generator, the adapter passed per call. Requests for different adapters of one base run at
 * the same time on the one loaded base: the engine keeps per-call state (KV cache, step arrays) in
 * per-call managers, its shared tables (RoPE, causal mask) are built under a lock, and a served
 * adapter's parameters are read only.
 */
@ApplicationScoped
public class GenerationService {

    private final ModelStore models;
    private final InferenceConfig config;
    private final Semaphore slots;
    private final Counter tokens;
    private final Timer timer;

    public GenerationService(ModelStore models, InferenceConfig config, MeterRegistry metrics) {
        this.models = models;
        this.config = config;
        this.slots = new Semaphore(config.maxConcurrent(), true);
        this.tokens = metrics.counter("inference.generated.tokens");
        this.timer = metrics.timer("inference.generations");
    }

    /**
     * Checks the request, waits for a slot, loads (or leases) what it needs and renders the prompt;
     * every failure that deserves its own status surfaces here, before anything is generated. The
     * caller runs the returned {@link Generation} and closes it.
     */
    public Generation prepare(GenerationRequest request) {
        validate(request);
        LeasedCache.Lease<LoadedBase> base = null;
        LeasedCache.Lease<Adapter> adapter = null;
        boolean slot = false;
        try {
            base = models.base(request.baseDigest(), request.tenantId());
            if (request.adapterDigest() != null) {
                adapter = models.adapter(base.get(), request.adapterDigest(), request.baseName(), request.tenantId());
            }
            boolean batched = base.get().batcher() != null && (adapter == null || adapter.get().prefixLength() == 0);
            if (!batched) { // the per-request path: at most max-concurrent at once
                takeSlot();
                slot = true;
            }
            int[] ids = Prompts.ids(base.get(), request);
            int room = base.get().model().config().maxPositionEmbeddings()
                    - (adapter == null ? 0 : adapter.get().prefixLength()) - ids.length;
            if (room <= 0) {
                throw new InferenceException(400, "context_length_exceeded", request.chat() ? "messages" : "prompt",
                        "the prompt is " + ids.length + " tokens; this model's context is "
                                + base.get().model().config().maxPositionEmbeddings() + " tokens");
            }
            Generation generation = new Generation(base, adapter, ids,
                    options(request, base.get(), Math.min(room, request.maxTokens())), request.stop(), slot);
            if (!slot) {
                generation.submit(); // a full batch answers 429 here, before any answer has started
            }
            return generation;
        } catch (RuntimeException | Error e) {
            if (adapter != null) {
                adapter.close();
            }
            if (base != null) {
                base.close();
            }
            if (slot) {
                slots.release();
            }
            throw e;
        }
    }

    private void takeSlot() {
        try {
            if (!slots.tryAcquire(config.queueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new InferenceException(503, "busy", null, config.maxConcurrent() + " generations are running and "
                        + "none ended within " + config.queueTimeout().toSeconds() + " s; retry shortly");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException(503, "busy", null, "interrupted while waiting for a generation slot");
        }
    }

    private void validate(GenerationRequest r) {
        if (r.maxTokens() < 1 || r.maxTokens() > config.maxTokensLimit()) {
            throw InferenceException.invalid("max_tokens", "max_tokens must be between 1 and " + config.maxTokensLimit()
                    + ", got " + r.maxTokens());
        }
        if (!(r.temperature() >= 0 && r.temperature() <= 2)) {
            throw InferenceException.invalid("temperature", "temperature must be between 0 and 2, got " + r.temperature());
        }
        if (!(r.topP() >= 0 && r.topP() <= 1)) {
            throw InferenceException.invalid("top_p", "top_p must be between 0 and 1, got " + r.topP());
        }
        if ((r.messages() == null) == (r.prompt() == null)) {
            throw InferenceException.invalid("messages", "give exactly one of messages and prompt");
        }
        if (r.messages() != null && r.messages().isEmpty()) {
            throw InferenceException.invalid("messages", "messages must not be empty");
        }
        for (String s : r.stop()) {
            if (s.isEmpty()) {
                throw InferenceException.invalid("stop", "stop sequences must not be empty");
            }
        }
    }

    private static GenerationOptions options(GenerationRequest r, LoadedBase base, int maxTokens) {
        GenerationOptions o = GenerationOptions.greedy(maxTokens).withEos(base.eosIds());
        if (r.temperature() > 0) {
            // top_p 0 keeps only the most probable token, as transformers does for a vanishing top_p
            o = o.withSampling(r.temperature(), r.topP() == 0 ? 1e-9 : r.topP(), r.seed());
        }
        return o;
    }

    /** A prepared generation holding its slot and leases until closed. */
    public final class Generation implements AutoCloseable {

        private final LeasedCache.Lease<LoadedBase> base;
        private final LeasedCache.Lease<Adapter> adapter;
        private final int[] promptIds;
        private final GenerationOptions options;
        private final List<String> stop;
        private final boolean slot;
        private BatchingGenerator.Request request; // the batched path's request, once submitted
        private volatile boolean ended;
        private boolean closed;

        Generation(LeasedCache.Lease<LoadedBase> base, LeasedCache.Lease<Adapter> adapter, int[] promptIds,
                   GenerationOptions options, List<String> stop, boolean slot) {
            this.base = base;
            this.adapter = adapter;
            this.promptIds = promptIds;
            this.options = options;
            this.stop = stop;
            this.slot = slot;
        }

        /** Decodes, handing each final piece of text to {@code pieces} as it is known. */
        public GenerationResult run(Consumer<String> pieces) {
            LoadedBase b = base.get();
            if (!slot) {
                return runBatched(b, pieces);
            }
            TextStream text = new TextStream(b.tokenizer(), stop);
            String finish;
            Timer.Sample sample = Timer.start();
            try {
                finish = b.generator().generate(promptIds, adapter == null ? null : adapter.get(), options, id -> {
                    tokens.increment();
                    String piece = text.push(id);
                    if (!piece.isEmpty()) {
                        pieces.accept(piece);
                    }
                    if (text.stopped()) {
                        throw StopSequence.INSTANCE;
                    }
                }).finishReason();
            } catch (StopSequence s) {
                finish = "stop";
            } finally {
                sample.stop(timer);
            }
            String rest = text.finish();
            if (!rest.isEmpty()) {
                pieces.accept(rest);
            }
            return new GenerationResult(text.text(), finish, promptIds.length, text.tokens());
        }

        /**
         * Decodes in the base's shared batch: the request joins at the next step and its tokens are read here, on the
         * request's own thread. A stop string, a client gone (a failing {@code pieces}) or a request that waited too
         * long ends it at once, freeing its place in the batch.
         */
        /** Joins the base's batch queue (the batched path). */
        private void submit() {
            try {
                request = base.get().batcher().submit(promptIds, adapter == null ? null : adapter.get(), options);
            } catch (BatchingGenerator.Overloaded e) {
                throw new InferenceException(429, e.everFits() ? "overloaded" : "kv_budget_exceeded",
                        e.everFits() ? null : "max_tokens", e.getMessage());
            }
        }

        private GenerationResult runBatched(LoadedBase b, Consumer<String> pieces) {
            TextStream text = new TextStream(b.tokenizer(), stop);
            String finish = null;
            Timer.Sample sample = Timer.start();
            try {
                boolean first = true;
                while (finish == null) {
                    int id = request.next(first ? config.queueTimeout() : java.time.Duration.ofSeconds(1));
                    if (id == -2) {
                        if (first) {
                            throw new InferenceException(503, "busy", null, "this request was not admitted within "
                                    + config.queueTimeout().toSeconds() + " s; retry shortly");
                        }
                        continue;
                    }
                    first = false;
                    if (id == -1) {
                        ended = true;
                        finish = request.result().finishReason();
                        break;
                    }
                    tokens.increment();
                    String piece = text.push(id);
                    if (!piece.isEmpty()) {
                        pieces.accept(piece);
                    }
                    if (text.stopped()) {
                        finish = "stop";
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InferenceException(503, "busy", null, "interrupted while generating");
            } finally {
                if (!ended) {
                    request.cancel(); // a stop string, a failed write or an error: free the batch slot now
                }
                sample.stop(timer);
            }
            String rest = text.finish();
            if (!rest.isEmpty()) {
                pieces.accept(rest);
            }
            return new GenerationResult(text.text(), finish, promptIds.length, text.tokens());
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (request != null && !ended) {
                request.cancel(); // never run, or left early: its place in the batch is freed now
            }
            try {
                if (adapter != null) {
                    adapter.close();
                }
                base.close();
            } finally {
                if (slot) {
                    slots.release();
                }
            }
        }
    }

    /** Ends decoding from inside the token callback when a stop string appeared. */
    private static final class StopSequence extends RuntimeException {
        static final StopSequence INSTANCE = new StopSequence();

        private StopSequence() {
            super("stop sequence", null, false, false);
        }
    }
}
