package dev.loraforge.inference.service;

import dev.loraforge.engine.generate.BatchingGenerator;
import dev.loraforge.engine.generate.GenerationOptions;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.inference.config.InferenceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import dev.loraforge.contracts.inference.GenerateRequest;
import dev.loraforge.contracts.inference.TokenLogprob;
import dev.loraforge.engine.generate.TokenLogprobs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

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
                    options(request, base.get(), Math.min(room, request.maxTokens())), request.stop(), request.n(), slot);
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
        if (r.n() < 1 || r.n() > GenerateRequest.MAX_N) {
            throw InferenceException.invalid("n", "n must be between 1 and " + GenerateRequest.MAX_N + ", got " + r.n());
        }
        if (r.topLogprobs() < -1 || r.topLogprobs() > GenerateRequest.MAX_TOP_LOGPROBS) {
            throw InferenceException.invalid("logprobs", "logprobs must be between 0 and "
                    + GenerateRequest.MAX_TOP_LOGPROBS + " alternatives, got " + r.topLogprobs());
        }
        if (!(r.presencePenalty() >= -2 && r.presencePenalty() <= 2)) {
            throw InferenceException.invalid("presence_penalty", "presence_penalty must be between -2 and 2, got "
                    + r.presencePenalty());
        }
        if (!(r.frequencyPenalty() >= -2 && r.frequencyPenalty() <= 2)) {
            throw InferenceException.invalid("frequency_penalty", "frequency_penalty must be between -2 and 2, got "
                    + r.frequencyPenalty());
        }
    }

    private static GenerationOptions options(GenerationRequest r, LoadedBase base, int maxTokens) {
        GenerationOptions o = GenerationOptions.greedy(maxTokens).withEos(base.eosIds())
                .withPenalties(r.presencePenalty(), r.frequencyPenalty()).withLogprobs(r.topLogprobs());
        if (r.temperature() > 0) {
            // top_p 0 keeps only the most probable token, as transformers does for a vanishing top_p
            o = o.withSampling(r.temperature(), r.topP() == 0 ? 1e-9 : r.topP(), r.seed());
        }
        return o;
    }

    /** Where a generation's output goes as it is made (streaming); called on the request's thread. */
    public interface Sink {
        /** A final piece of choice {@code index}'s text, with its tokens' log-probabilities (null unless asked for). */
        void delta(int index, String text, List<TokenLogprob> logprobs);

        /** Choice {@code index} has ended. */
        void done(int index, String finishReason, int completionTokens);
    }

    /** A sink that keeps nothing (the whole answer is read from the result). */
    public static final Sink DISCARD = new Sink() {
        @Override
        public void delta(int index, String text, List<TokenLogprob> logprobs) {
        }

        @Override
        public void done(int index, String finishReason, int completionTokens) {
        }
    };

    /** A prepared generation holding its slot and leases until closed. */
    public final class Generation implements AutoCloseable {

        private final LeasedCache.Lease<LoadedBase> base;
        private final LeasedCache.Lease<Adapter> adapter;
        private final int[] promptIds;
        private final GenerationOptions options;
        private final List<String> stop;
        private final int n;
        private final boolean slot;
        private final Semaphore output = new Semaphore(0); // released by the decoding thread for each token or end
        private final List<BatchingGenerator.Request> requests = new ArrayList<>(); // the batched path's, once submitted
        private boolean closed;

        Generation(LeasedCache.Lease<LoadedBase> base, LeasedCache.Lease<Adapter> adapter, int[] promptIds,
                   GenerationOptions options, List<String> stop, int n, boolean slot) {
            this.base = base;
            this.adapter = adapter;
            this.promptIds = promptIds;
            this.options = options;
            this.stop = stop;
            this.n = n;
            this.slot = slot;
        }

        /** The prompt's tokens. */
        public int promptTokens() {
            return promptIds.length;
        }

        /** Decodes every choice, handing each final piece of text to {@code sink} as it is known. */
        public GenerationResult run(Sink sink) {
            LoadedBase b = base.get();
            List<ChoiceState> choices = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                choices.add(new ChoiceState(i, b, sink));
            }
            Timer.Sample sample = Timer.start();
            try {
                if (slot) {
                    for (ChoiceState c : choices) {
                        runAlone(b, c);
                    }
                } else {
                    runBatched(choices);
                }
            } finally {
                sample.stop(timer);
            }
            return new GenerationResult(choices.stream().map(ChoiceState::result).toList(), promptIds.length);
        }

        /** The per-request path: one choice after another on the caller's thread. */
        private void runAlone(LoadedBase b, ChoiceState c) {
            String finish;
            try {
                finish = b.generator().generate(promptIds, adapter == null ? null : adapter.get(), choiceOptions(c.index),
                        (id, logprobs) -> {
                            if (c.token(id, logprobs)) {
                                throw StopSequence.INSTANCE;
                            }
                        }).finishReason();
            } catch (StopSequence s) {
                finish = "stop";
            }
            c.end(finish);
        }

        private GenerationOptions choiceOptions(int index) {
            return index == 0 ? options : options.withSeed(options.seed() + index);
        }

        /** Joins the base's batch queue (the batched path): one request per choice. */
        private void submit() {
            try {
                for (int i = 0; i < n; i++) {
                    requests.add(base.get().batcher().submit(promptIds, adapter == null ? null : adapter.get(),
                            choiceOptions(i), output::release));
                }
            } catch (BatchingGenerator.Overloaded e) {
                requests.forEach(BatchingGenerator.Request::cancel);
                throw new InferenceException(429, e.everFits() ? "overloaded" : "kv_budget_exceeded",
                        e.everFits() ? null : "max_tokens", e.getMessage());
            }
        }

        /**
         * Decodes in the base's shared batch: the choices join at the next step and their tokens are read here, on the
         * request's own thread, as the decoding thread signals them. A stop string, a client gone (a failing sink) or a
         * request not admitted in time ends it at once, freeing its places in the batch.
         */
        private void runBatched(List<ChoiceState> choices) {
            long start = System.nanoTime();
            boolean started = false;
            int open = choices.size();
            try {
                while (open > 0) {
                    output.drainPermits();
                    boolean progressed = false;
                    for (ChoiceState c : choices) {
                        BatchingGenerator.Request r = requests.get(c.index);
                        int id;
                        while (c.finish == null && (id = r.next(Duration.ZERO)) != -2) {
                            progressed = true;
                            started = true;
                            if (id == -1) {
                                c.end(r.result().finishReason());
                                open--;
                            } else if (c.token(id, r.lastLogprobs())) {
                                r.cancel();
                                c.end("stop");
                                open--;
                            }
                        }
                    }
                    if (progressed || open == 0) {
                        continue;
                    }
                    Duration wait = started ? Duration.ofSeconds(1)
                            : config.queueTimeout().minusNanos(System.nanoTime() - start);
                    if (!output.tryAcquire(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS) && !started
                            && System.nanoTime() - start >= config.queueTimeout().toNanos()) {
                        throw new InferenceException(503, "busy", null, "this request was not admitted within "
                                + config.queueTimeout().toSeconds() + " s; retry shortly");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InferenceException(503, "busy", null, "interrupted while generating");
            } finally {
                requests.forEach(BatchingGenerator.Request::cancel); // a stop string, a failed write or an error: free now
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            requests.forEach(BatchingGenerator.Request::cancel); // never run, or left early: places freed now
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

        /** One choice's text as it is decoded, and the log-probabilities of the tokens not yet handed out. */
        private final class ChoiceState {
            private final int index;
            private final LoadedBase base;
            private final Sink sink;
            private final TextStream text;
            private final List<TokenLogprob> logprobs;
            private final List<TokenLogprob> pending = new ArrayList<>();
            private String finish;

            ChoiceState(int index, LoadedBase base, Sink sink) {
                this.index = index;
                this.base = base;
                this.sink = sink;
                this.text = new TextStream(base.tokenizer(), stop);
                this.logprobs = options.logprobs() ? new ArrayList<>() : null;
            }

            /** Takes a token; true when a stop string appeared (the choice ends). */
            boolean token(int id, TokenLogprobs lp) {
                tokens.increment();
                if (lp != null) {
                    TokenLogprob spelled = Logprobs.of(base.tokenizer(), lp);
                    logprobs.add(spelled);
                    pending.add(spelled);
                }
                String piece = text.push(id);
                if (!piece.isEmpty()) {
                    sink.delta(index, piece, take());
                }
                return text.stopped();
            }

            void end(String reason) {
                finish = reason;
                String rest = text.finish();
                if (!rest.isEmpty() || !pending.isEmpty()) {
                    sink.delta(index, rest, take());
                }
                sink.done(index, reason, text.tokens());
            }

            private List<TokenLogprob> take() {
                if (logprobs == null) {
                    return null;
                }
                List<TokenLogprob> out = List.copyOf(pending);
                pending.clear();
                return out;
            }

            GenerationResult.Choice result() {
                return new GenerationResult.Choice(index, text.text(), finish, text.tokens(),
                        logprobs == null ? null : List.copyOf(logprobs));
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
