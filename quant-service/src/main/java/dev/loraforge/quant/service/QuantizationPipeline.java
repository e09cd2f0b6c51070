package dev.loraforge.quant.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.contracts.artifactstore.BlobView;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.quant.QuantizationReport;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.quant.client.ArtifactStoreClient;
import dev.loraforge.quant.config.QuantConfig;
import dev.loraforge.quant.config.WorkerIdentity;
import dev.loraforge.quant.mapping.QuantizedArtifactMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * One run for a claimed pair: base model blob -> directory -> quantized directory -> one blob ->
 * registered {@code quantized_model}. Steps in this order so that a crash anywhere leaves nothing
 * visible but complete blobs: the artifact is registered only after its blob is stored, under an id
 * derived from the pair, and a run first looks for that id (a run that died after registering is
 * completed by adopting its artifact). Everything is done in a scratch directory removed at the end.
 */
@ApplicationScoped
public class QuantizationPipeline {

    private static final Logger LOG = Logger.getLogger(QuantizationPipeline.class);

    private final ArtifactStoreClient store;
    private final QuantConfig config;
    private final WorkerIdentity identity;
    private final ObjectMapper json;

    /** {@code loraforge.quantization.duration} (Prometheus {@code loraforge_quantization_duration_seconds}), per scheme. */
    private final io.micrometer.core.instrument.MeterRegistry metrics;

    public QuantizationPipeline(ArtifactStoreClient store, QuantConfig config, WorkerIdentity identity, ObjectMapper json,
                                io.micrometer.core.instrument.MeterRegistry metrics) {
        this.metrics = metrics;
        this.store = store;
        this.config = config;
        this.identity = identity;
        this.json = json;
    }

    /**
     * @throws QuantizationFailure with the code and reason to put on the outcome
     */
    public QuantizationResult run(ClaimedPair pair) {
        long start = System.nanoTime();
        String id = QuantizedArtifactMapper.idFor(pair.key());
        Optional<JsonNode> earlier = call(() -> store.artifact(id, pair.key().owner()), "looking up " + id);
        if (earlier.isPresent()) {
            LOG.infof("pair %s: %s is already registered (an earlier run stored it); adopting it", pair.key(), id);
            return adopt(earlier.get(), pair);
        }
        JsonNode base = call(() -> store.artifact(pair.baseId(), pair.key().owner()),
                "looking up base model " + pair.baseId())
                .orElseThrow(() -> new QuantizationFailure(QuantizationFailure.BASE_MODEL_NOT_FOUND,
                        "artifact-store has no artifact '" + pair.baseId() + "'; register the base model with"
                                + " POST /api/v1/base-models on artifact-store, then request the quantization again", true));
        checkBase(base, pair);
        String baseName = pair.baseName() != null ? pair.baseName() : base.path("name").asText(pair.baseId());

        Path work = config.workDir().resolve(pair.baseDigest().substring(7, 23) + "-" + pair.scheme() + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        try {
            Files.createDirectories(work);
            Path baseDir = work.resolve("base");
            download(pair, baseDir);
            QuantizationReport report = quantize(pair, baseDir, work.resolve("quantized"));
            BlobView blob;
            try {
                blob = call(() -> store.uploadDirectory(work.resolve("quantized")), "storing the quantized model");
            } catch (UncheckedIOException e) {
                throw new QuantizationFailure(QuantizationFailure.INTERNAL, "cannot pack the quantized model in "
                        + config.workDir() + ": " + e.getCause().getMessage(), true, e);
            }
            JsonNode registered;
            try {
                registered = store.register(QuantizedArtifactMapper.registration(json, pair, baseName, blob.digest(), report,
                        identity.engineVersion()));
            } catch (ArtifactStoreException e) {
                if (e.status() == 409) { // registered meanwhile by another run, with other figures
                    JsonNode other = call(() -> store.artifact(id, pair.key().owner()), "looking up " + id).orElseThrow(() -> storeFailure(e, "registering " + id));
                    return adopt(other, pair);
                }
                throw storeFailure(e, "registering " + id);
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            io.micrometer.core.instrument.Timer.builder("loraforge.quantization.duration")
                    .description("a base model quantized: download, quantization, upload and registration")
                    .tag("scheme", pair.scheme()).register(metrics).record(java.time.Duration.ofMillis(ms));
            LOG.infof("pair %s: quantized %,d parameters, %,d -> %,d bytes, mean |error| %.5f, in %d ms; registered %s",
                    pair.key(), report.quantizedParameters(), report.bytesBefore(), report.bytesAfter(), report.meanAbsError(),
                    ms, registered.path("id").asText());
            return new QuantizationResult(new ArtifactRef(registered.path("id").asText(), registered.path("digest").asText()),
                    report.bytesBefore(), report.bytesAfter(), report.meanAbsError(), ms, identity.engineVersion());
        } catch (IOException e) {
            throw new QuantizationFailure(QuantizationFailure.INTERNAL, "cannot use the scratch directory "
                    + config.workDir() + ": " + e.getMessage(), true, e);
        } finally {
            ArtifactStoreClient.deleteTree(work);
        }
    }

    private void checkBase(JsonNode base, ClaimedPair pair) {
        String kind = base.path("kind").asText();
        String digest = base.path("digest").asText();
        if (!"base_model".equals(kind)) {
            throw new QuantizationFailure(QuantizationFailure.BASE_MODEL_MISMATCH, "artifact '" + pair.baseId() + "' is a "
                    + kind + ", not a base_model; name the base model's id (GET /api/v1/base-models on artifact-store)", true);
        }
        if (!pair.baseDigest().equals(digest)) {
            throw new QuantizationFailure(QuantizationFailure.BASE_MODEL_MISMATCH, "base model '" + pair.baseId()
                    + "' has digest " + digest + ", not the requested " + pair.baseDigest()
                    + "; request the pair with the base model's digest", true);
        }
    }

    private void download(ClaimedPair pair, Path baseDir) {
        try {
            store.downloadDirectory(pair.baseDigest(), pair.key().owner(), baseDir);
        } catch (DirectoryArchive.ArchiveException e) {
            throw new QuantizationFailure(QuantizationFailure.MODEL_UNREADABLE, "the blob of base model " + pair.baseId()
                    + " (" + pair.baseDigest() + ") is not a readable model directory archive: " + e.getMessage()
                    + "; register the model again from its Hugging Face directory", false, e);
        } catch (ArtifactStoreException e) {
            if (e.status() == 404) {
                throw new QuantizationFailure(QuantizationFailure.BASE_MODEL_NOT_FOUND, "artifact-store has no blob "
                        + pair.baseDigest() + " for base model " + pair.baseId() + "; register the model again", true, e);
            }
            throw storeFailure(e, "downloading base model " + pair.baseDigest());
        }
    }

    /** Checks that the directory is a model the engine reads, then quantizes it. */
    private QuantizationReport quantize(ClaimedPair pair, Path baseDir, Path outDir) {
        String what = "base model " + pair.baseId() + " (" + pair.baseDigest() + ")";
        if (!Files.isRegularFile(baseDir.resolve("config.json"))) {
            throw new QuantizationFailure(QuantizationFailure.MODEL_UNREADABLE, what + " has no config.json:"
                    + " not a Hugging Face model directory", false);
        }
        try {
            json.readTree(baseDir.resolve("config.json").toFile());
        } catch (IOException e) {
            throw new QuantizationFailure(QuantizationFailure.MODEL_UNREADABLE, what + ": config.json is not valid JSON ("
                    + e.getMessage().lines().findFirst().orElse("") + ")", false, e);
        }
        try {
            LlamaConfig.load(baseDir);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new QuantizationFailure(QuantizationFailure.MODEL_UNSUPPORTED, what + ": " + clean(e, baseDir), false, e);
        }
        try (SafeTensorsReader weights = SafeTensorsReader.openModel(baseDir)) {
            weights.names();
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new QuantizationFailure(QuantizationFailure.MODEL_UNREADABLE, what + ": " + clean(e, baseDir), false, e);
        }
        try {
            return ModelQuantizer.quantize(baseDir, QuantScheme.parse(pair.scheme()), outDir);
        } catch (IllegalArgumentException e) {
            throw new QuantizationFailure(QuantizationFailure.MODEL_UNSUPPORTED, what + " cannot be quantized with "
                    + pair.scheme() + ": " + clean(e, baseDir), false, e);
        } catch (UncheckedIOException e) {
            throw new QuantizationFailure(QuantizationFailure.MODEL_UNREADABLE, what + ": " + clean(e, baseDir), false, e);
        }
    }

    private QuantizationResult adopt(JsonNode artifact, ClaimedPair pair) {
        if (!QuantizedArtifactMapper.isResultOf(artifact, pair.key())) {
            throw new QuantizationFailure(QuantizationFailure.ARTIFACT_STORE_UNAVAILABLE, "artifact-store holds "
                    + artifact.path("id").asText() + " as a " + artifact.path("kind").asText() + " of scheme '"
                    + artifact.path("metadata").path("scheme").asText() + "' and base digest '"
                    + artifact.path("metadata").path("base_digest").asText() + "', not the quantized model of " + pair.key()
                    + "; remove or rename that artifact", true);
        }
        return QuantizedArtifactMapper.fromRegistered(artifact);
    }

    /** The engine's message without the scratch directory's path. */
    private static String clean(RuntimeException e, Path baseDir) {
        String m = String.valueOf(e.getMessage());
        for (Path p : new Path[] {baseDir.toAbsolutePath(), realPath(baseDir)}) {
            if (p != null) {
                m = m.replace(p + "/", "").replace(p.toString(), "the model directory");
            }
        }
        return m;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    private static <T> T call(Supplier<T> call, String what) {
        try {
            return call.get();
        } catch (ArtifactStoreException e) {
            throw storeFailure(e, what);
        }
    }

    private static QuantizationFailure storeFailure(ArtifactStoreException e, String what) {
        return new QuantizationFailure(QuantizationFailure.ARTIFACT_STORE_UNAVAILABLE, what + " failed: " + e.getMessage(),
                true, e);
    }
}
