package dev.loraforge.inference.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the inference service ({@code inference.*}, env {@code INFERENCE_*}). */
@ConfigMapping(prefix = "inference")
public interface InferenceConfig {

    /** Base URL of artifact-store, where base models and adapters are fetched by digest. */
    @WithDefault("http://127.0.0.1:8081")
    String artifactStoreUrl();

    /** How long a failing download from artifact-store is retried (no answer, 5xx, a damaged transfer). */
    @WithDefault("10s")
    java.time.Duration artifactStoreRetry();

    /** Where downloaded model and adapter directories are unpacked, one sub-directory per digest. */
    @WithDefault("${java.io.tmpdir}/loraforge-inference")
    String workDir();

    /** Base models held in memory at once; the least recently used one is unloaded first. */
    @WithDefault("2")
    int maxBaseModels();

    /** Adapters held in memory at once (over all bases); the least recently used one is unloaded first. */
    @WithDefault("16")
    int maxAdapters();

    /**
     * Generations running at the same time on the per-request path (prefix-tuning adapters, or every request when
     * {@code batching} is off).
     */
    @WithDefault("4")
    int maxConcurrent();

    /**
     * Continuous batching: the requests on one base (LoRA adapters or none) decode together, one token each per
     * shared step (engine {@code BatchingGenerator}); off, each request decodes on its own thread.
     */
    @WithDefault("true")
    boolean batching();

    /** Most requests decoding together on one base. */
    @WithDefault("16")
    int maxBatch();

    /**
     * KV-cache budget per base, in positions: a request reserves its prompt + max_tokens while it runs; requests wait
     * while the running ones' reservations fill it.
     */
    @WithDefault("65536")
    long kvBudget();

    /** Requests waiting for admission per base; beyond it a request is answered 429 with Retry-After. */
    @WithDefault("64")
    int maxQueued();

    /** How long a request waits for a generation slot before it is answered 503. */
    @WithDefault("60s")
    Duration queueTimeout();

    /** The largest {@code max_tokens} one request may ask for. */
    @WithDefault("2048")
    int maxTokensLimit();

    /**
     * Where base models and adapters compute: {@code auto} (the first CUDA device when PyTorch sees one, else the
     * CPU), {@code cpu}, {@code cuda} or {@code cuda:N}. A CUDA device that is not there stops the service at start.
     */
    @WithDefault("auto")
    String device();

    /**
     * Exported models (merged directories, GGUF files) kept on disk under {@code work-dir/exports} for further
     * downloads; beyond it the least recently made are deleted (an export in use is re-made when asked again).
     */
    @WithDefault("4")
    int maxExports();

    /** PyTorch intra-op threads (DJL reads them once, when the engine starts). */
    @WithDefault("2")
    int threads();
}
