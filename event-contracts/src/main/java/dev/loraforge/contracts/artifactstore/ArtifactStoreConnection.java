package dev.loraforge.contracts.artifactstore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What every caller of artifact-store holds beside its declarative {@link ArtifactStoreApi}: the blob
 * streams ({@link BlobTransfer}, authenticated as the calling service) and two guards
 * ({@link ArtifactStoreGuard}), one for JSON calls with a per-try timeout and one for streamed transfers
 * of any size without one. The guards are named after the caller ({@code quant-artifact-store-calls}),
 * so that circuit breakers and log lines say whose calls failed.
 */
public final class ArtifactStoreConnection {

    private final BlobTransfer blobs;
    private final ArtifactStoreGuard calls;
    private final ArtifactStoreGuard transfers;

    /**
     * @param caller        the calling service's short name ({@code trainer}), naming the guards
     * @param url           artifact-store's base URL
     * @param retryFor      how long a failure that may pass is retried (under 100 ms: never)
     * @param callTimeout   the most one try of a JSON call may take
     * @param streamTimeout the most a blob stream may stay silent
     */
    public ArtifactStoreConnection(String caller, String url, Duration retryFor, Duration callTimeout,
                                   Duration streamTimeout) {
        this.blobs = BlobTransfer.authenticated(url, streamTimeout);
        this.calls = new ArtifactStoreGuard(caller + "-artifact-store-calls", retryFor, callTimeout);
        this.transfers = new ArtifactStoreGuard(caller + "-artifact-store-transfers", retryFor, null);
    }

    /** A JSON call (through the REST client) under the calls' guard. */
    public <T> T call(Supplier<T> call) {
        return calls.call(call);
    }

    /** A JSON call whose 404 means "there is none": empty then; any other failure is thrown. */
    public <T> Optional<T> lookup(Supplier<T> call) {
        try {
            return Optional.of(calls.call(call));
        } catch (ArtifactStoreException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** A blob transfer that answers something (an upload's digest, an open stream), under the transfers' guard. */
    public <T> T transfer(Function<BlobTransfer, T> transfer) {
        return transfers.call(() -> transfer.apply(blobs));
    }

    /** A download into a file or directory, under the transfers' guard (a retry starts it again). */
    public void download(Consumer<BlobTransfer> download) {
        transfers.run(() -> download.accept(blobs));
    }

    /** Downloads the blob {@code digest}, read as {@code tenant} (null: a shared one), into {@code file} (replaced). */
    public void downloadFile(String digest, String tenant, Path file) {
        download(b -> b.download(digest, tenant, file));
    }

    /**
     * Downloads a directory archive and extracts it into the new directory {@code dir}, read as {@code tenant};
     * on any failure {@code dir} is removed again (a blob that is not an archive is a 422, never retried).
     */
    public void downloadDirectory(String digest, String tenant, Path dir) {
        download(b -> b.downloadDirectory(digest, tenant, dir));
    }

    /** Whether artifact-store lets {@code tenant} (null: no tenant, shared blobs only) read the blob {@code digest}. */
    public boolean readable(String digest, String tenant) {
        return transfer(b -> b.readable(digest, tenant));
    }
}
