package dev.loraforge.artifacts.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Content-addressed storage of immutable blobs, keyed by the sha256 of their bytes. Everything
 * streams: implementations never hold a whole blob in memory. The filesystem implementation is the
 * default; an object store plugs in by implementing this interface (see {@code BlobStorageProducer}).
 */
public interface BlobStorage {

    /** Writes content to the stream it is given (e.g. a directory archived on the fly). */
    @FunctionalInterface
    interface ContentWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Stores content, hashing it as it streams. When {@code expected} is given and the content does
     * not hash to it, throws {@link DigestMismatchException} and keeps nothing. Storing content that
     * is already stored keeps one blob ({@link StoredBlob#created()} false).
     *
     * @throws BlobTooLargeException beyond the configured maximum size (nothing kept)
     */
    StoredBlob put(InputStream content, Digest expected) throws IOException;

    /** As {@link #put}, for content produced by a writer instead of read from a stream. */
    StoredBlob write(ContentWriter content, Digest expected) throws IOException;

    /** The blob's size, or empty when no blob has this digest. */
    Optional<BlobInfo> stat(Digest digest) throws IOException;

    /**
     * Opens a blob for reading. The stream re-hashes the bytes as they pass and throws
     * {@link CorruptBlobException} instead of returning the last bytes when they do not hash to the
     * digest, so a reader never receives a complete wrong blob.
     *
     * @throws java.nio.file.NoSuchFileException when no blob has this digest
     */
    InputStream open(Digest digest) throws IOException;

    /**
     * Opens {@code length} bytes of a blob from {@code offset} (an HTTP range). Not re-hashed: a part cannot be checked
     * on its own; the client that joins the parts checks the whole against the digest.
     *
     * @throws java.nio.file.NoSuchFileException when no blob has this digest
     */
    InputStream openRange(Digest digest, long offset, long length) throws IOException;

    /** Re-hashes the whole stored blob; throws {@link CorruptBlobException} when it does not match. */
    void verify(Digest digest) throws IOException;
}
