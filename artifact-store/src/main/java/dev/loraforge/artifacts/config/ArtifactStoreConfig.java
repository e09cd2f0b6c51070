package dev.loraforge.artifacts.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Settings of the artifact store ({@code artifacts.*}, env {@code ARTIFACTS_*}). */
@ConfigMapping(prefix = "artifacts")
public interface ArtifactStoreConfig {

    /** Directory of the content-addressed blobs ({@code sha256/<2 hex>/<hex>}, uploads in {@code tmp/}). */
    Path storageDir();

    /** Largest blob accepted; the HTTP body limit follows it. */
    @WithDefault("1T")
    MemorySize maxBlobSize();

    /**
     * Blobs up to this size are re-hashed completely before a download starts, so corruption answers
     * a clean 500 problem; larger ones are verified while they stream and the connection is cut
     * before their last bytes when they do not match.
     */
    @WithDefault("16M")
    MemorySize verifyBeforeSendMaxSize();

    /**
     * Directories under which {@code POST /api/v1/base-models} may read a model; unset: anywhere the
     * service can read.
     */
    Optional<List<Path>> baseModelRoots();

    /** How long a model upload may stay pending (parts arriving) before it expires and its parts are deleted. */
    @WithDefault("24h")
    java.time.Duration modelUploadTtl();

    /** Largest part of a model upload. */
    @WithDefault("1G")
    MemorySize modelUploadMaxPart();
}
