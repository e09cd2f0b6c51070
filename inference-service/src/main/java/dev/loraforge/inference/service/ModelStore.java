package dev.loraforge.inference.service;

import dev.loraforge.contracts.artifactstore.ArtifactStoreConnection;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.contracts.artifactstore.BlobTransfer;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import dev.loraforge.inference.config.InferenceConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Base models and adapters in memory. A base model is loaded once per digest; an adapter once per
 * (base digest, adapter digest), lazily, against that loaded base (never merged into it). Both are
 * bounded LRU caches of leases ({@link LeasedCache}); unloading a base drops its adapters. Archives
 * are fetched from artifact-store by digest and kept unpacked under {@code inference.work-dir}. Every use is made for
 * a tenant (null: none, shared models only), and artifact-store decides what that tenant may read: a download is read
 * as that tenant, and a model already here is used for a tenant only after artifact-store said once that the tenant
 * may read it, so one tenant's cached adapter never serves another.
 */
@ApplicationScoped
public class ModelStore {

    private static final Logger LOG = Logger.getLogger(ModelStore.class);

    private final ArtifactStoreConnection store;
    private final Path blobs;
    private final LeasedCache<LoadedBase> bases;
    private final LeasedCache<Adapter> adapters;
    private final Map<String, Object> downloads = new ConcurrentHashMap<>();
    /** digest to the tenants artifact-store lets read it ("" for none): checked once each. */
    private final Map<String, java.util.Set<String>> readers = new ConcurrentHashMap<>();
    private final AtomicLong instances = new AtomicLong();
    private final dev.loraforge.inference.config.EngineSetup engine;
    private final dev.loraforge.engine.generate.BatchingGenerator.Limits batchLimits;

    public ModelStore(InferenceConfig config, ArtifactStoreConnection store, MeterRegistry metrics,
                      dev.loraforge.inference.config.EngineSetup engine) {
        this.store = store;
        this.engine = engine;
        this.blobs = Path.of(config.workDir()).resolve("archives");
        this.batchLimits = config.batching() ? new dev.loraforge.engine.generate.BatchingGenerator.Limits(config.maxBatch(),
                config.kvBudget(), config.maxQueued()) : null;
        this.bases = new LeasedCache<>("base model", config.maxBaseModels());
        this.adapters = new LeasedCache<>("adapter", config.maxAdapters());
        metrics.gauge("inference.base_models.loaded", bases, c -> c.keys().size());
        metrics.gauge("inference.adapters.loaded", adapters, c -> c.keys().size());
        metrics.gauge("inference.adapters.loads", adapters, c -> (double) c.loads());
    }

    /** The base model {@code digest}, used for {@code tenant}, loaded when it is not in memory. */
    public LeasedCache.Lease<LoadedBase> base(String digest, String tenant) {
        authorize(digest, tenant, "base model");
        return bases.acquire(digest, d -> loadBase(d, tenant));
    }

    /**
     * The adapter {@code adapterDigest} for {@code base}, loaded and checked against it when it is not
     * in memory. {@code baseName}: the base model's registry name when the caller knows it (the
     * adapter must not name another one).
     */
    public LeasedCache.Lease<Adapter> adapter(LoadedBase base, String adapterDigest, String baseName, String tenant) {
        authorize(adapterDigest, tenant, "adapter");
        return adapters.acquire(base.instance() + "/" + adapterDigest, key -> {
            long start = System.nanoTime();
            Path dir = directory(adapterDigest, "adapter", tenant);
            Adapter adapter = AdapterCheck.load(dir, adapterDigest, base, baseName);
            LOG.infof("loaded %s adapter %s on base %s in %.0f ms", adapter.peftType(), adapterDigest, base.digest(),
                    (System.nanoTime() - start) / 1e6);
            return adapter;
        });
    }

    /**
     * The unpacked base model {@code digest} (config, tokenizer and weights on disk, downloaded once), for work that
     * needs its files and not the loaded model (a dry run's tokenization).
     */
    public Path baseDirectory(String digest, String tenant) {
        authorize(digest, tenant, "base model");
        return directory(digest, "base model", tenant);
    }

    /** Base digests in memory, least recently used first. */
    public List<String> loadedBases() {
        return bases.keys();
    }

    /** "base digest#load/adapter digest" keys in memory, least recently used first. */
    public List<String> loadedAdapters() {
        return adapters.keys();
    }

    /** How many adapter loads happened (a cached adapter is not loaded again). */
    public long adapterLoads() {
        return adapters.loads();
    }

    private LoadedBase loadBase(String digest, String tenant) {
        long start = System.nanoTime();
        Path dir = directory(digest, "base model", tenant);
        LlamaModel model;
        try {
            model = LlamaModel.load(dir, engine.device());
        } catch (RuntimeException e) {
            throw new InferenceException(422, "model_unusable", "model", "base model " + digest
                    + " cannot be loaded: " + e.getMessage().replace(dir.toString(), "model"), e);
        }
        ModelTokenizer tokenizer;
        try {
            tokenizer = ModelTokenizer.load(dir);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw new InferenceException(422, "model_unusable", "model", "base model " + digest
                    + " has no usable tokenizer (tokenizer.json): " + e.getMessage(), e);
        }
        String instance = digest + "#" + instances.incrementAndGet();
        LoadedBase base = new LoadedBase(digest, instance, model, tokenizer, () -> adapters.dropIf(k -> k.startsWith(instance + "/")),
                batchLimits);
        LOG.infof("loaded base model %s (%s) in %.0f ms", digest, base.describe(), (System.nanoTime() - start) / 1e6);
        return base;
    }

    /**
     * Fails with a 404 unless artifact-store lets {@code tenant} read {@code digest}: asked once per tenant and digest
     * (a download as that tenant answers it too), so a model in memory or on disk is never used for a tenant that
     * may not read it.
     */
    private void authorize(String digest, String tenant, String what) {
        String reader = tenant == null ? "" : tenant;
        java.util.Set<String> known = readers.get(digest);
        if (known != null && known.contains(reader)) {
            return;
        }
        if (!Files.isDirectory(blobs.resolve(digest.replace(':', '-')))) {
            return; // not here yet: the download itself is read as the tenant, and records it
        }
        boolean readable;
        try {
            readable = store.readable(digest, tenant);
        } catch (ArtifactStoreException e) {
            throw new InferenceException(503, "artifact_store_unavailable", null, e.getMessage(), e);
        }
        if (!readable) {
            throw notFound(digest, what, tenant, null);
        }
        readers.computeIfAbsent(digest, d -> ConcurrentHashMap.newKeySet()).add(reader);
    }

    private static InferenceException notFound(String digest, String what, String tenant, Throwable cause) {
        return new InferenceException(404, "model_not_found", what.equals("adapter") ? "adapter" : "model",
                "artifact-store has no " + what + " with digest " + digest + " readable by "
                        + (tenant == null ? "a caller without a tenant" : "tenant " + tenant), cause);
    }

    /** The unpacked archive {@code digest}, downloaded once, read as {@code tenant}. */
    private Path directory(String digest, String what, String tenant) {
        Path dir = blobs.resolve(digest.replace(':', '-'));
        synchronized (downloads.computeIfAbsent(digest, d -> new Object())) {
            if (Files.isDirectory(dir)) {
                authorize(digest, tenant, what); // another tenant's download may have put it here meanwhile
                return dir;
            }
            Path partial = blobs.resolve(".partial-" + UUID.randomUUID());
            try {
                Files.createDirectories(blobs);
                store.downloadDirectory(digest, tenant, partial);
                Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
                readers.computeIfAbsent(digest, d -> ConcurrentHashMap.newKeySet()).add(tenant == null ? "" : tenant);
                return dir;
            } catch (ArtifactStoreException e) {
                if (e.notFound()) {
                    throw notFound(digest, what, tenant, e);
                }
                if (e.status() == 422) {
                    throw new InferenceException(422, "model_unusable", what.equals("adapter") ? "adapter" : "model",
                            what + " " + digest + ": " + e.getMessage(), e);
                }
                throw new InferenceException(503, "artifact_store_unavailable", null, e.getMessage(), e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot place " + what + " " + digest + " under " + blobs, e);
            } finally {
                BlobTransfer.deleteTree(partial);
            }
        }
    }

    @PreDestroy
    void shutdown() {
        adapters.clear();
        bases.clear();
    }
}
