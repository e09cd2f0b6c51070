package dev.loraforge.artifacts.storage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Blobs as files: {@code <dir>/sha256/<first 2 hex>/<64 hex>}. Content streams into a temporary
 * file under {@code <dir>/tmp/} while it is hashed, is flushed to disk, and is then renamed into
 * place atomically, so a blob file is either absent or complete. Storing content that is already
 * there replaces the file with the freshly verified copy (the same bytes, so readers see no
 * difference; a blob damaged on disk is repaired that way).
 */
public final class FileSystemBlobStorage implements BlobStorage {

    private static final Logger LOG = Logger.getLogger(FileSystemBlobStorage.class);
    private static final int BUFFER = 64 * 1024;

    private final Path root;
    private final Path blobs;
    private final Path tmp;
    private final long maxSize;

    /**
     * @param root    the storage directory (created when missing)
     * @param maxSize the largest blob accepted, in bytes
     */
    public FileSystemBlobStorage(Path root, long maxSize) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.blobs = this.root.resolve("sha256");
        this.tmp = this.root.resolve("tmp");
        this.maxSize = maxSize;
        Files.createDirectories(blobs);
        Files.createDirectories(tmp);
        removeStaleUploads(Duration.ofHours(1));
    }

    /** The storage directory. */
    public Path root() {
        return root;
    }

    /** Where the blob with this digest lives (whether or not it exists). */
    public Path pathOf(Digest digest) {
        return blobs.resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    /** The directory of uploads in progress. */
    public Path uploadsDir() {
        return tmp;
    }

    @Override
    public StoredBlob put(InputStream content, Digest expected) throws IOException {
        byte[] buffer = new byte[BUFFER];
        return write(out -> {
            int n;
            while ((n = content.read(buffer)) > 0) {
                out.write(buffer, 0, n);
            }
        }, expected);
    }

    @Override
    public StoredBlob write(ContentWriter content, Digest expected) throws IOException {
        Path part = tmp.resolve("upload-" + UUID.randomUUID() + ".part");
        boolean moved = false;
        try {
            MessageDigest hasher = Digest.newHasher();
            long size;
            try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                LimitedOutput limited = new LimitedOutput(new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER), maxSize);
                try (DigestOutputStream out = new DigestOutputStream(limited, hasher)) {
                    content.writeTo(out);
                    out.flush();
                    size = limited.count;
                    channel.force(true); // on disk before it is announced
                }
            }
            Digest actual = Digest.of(hasher);
            if (expected != null && !expected.equals(actual)) {
                throw new DigestMismatchException(expected, actual, size);
            }
            Path target = pathOf(actual);
            Files.createDirectories(target.getParent());
            boolean existed = Files.exists(target);
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the storage directory " + root + " does not support atomic renames", e);
            }
            moved = true;
            syncDirectory(target.getParent());
            if (!existed) {
                LOG.debugf("stored blob %s (%d bytes)", actual, size);
            }
            return new StoredBlob(new BlobInfo(actual, size), !existed);
        } finally {
            if (!moved) {
                Files.deleteIfExists(part);
            }
        }
    }

    @Override
    public Optional<BlobInfo> stat(Digest digest) throws IOException {
        Path path = pathOf(digest);
        try {
            return Optional.of(new BlobInfo(digest, Files.size(path)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream open(Digest digest) throws IOException {
        Path path = pathOf(digest);
        InputStream in = Files.newInputStream(path);
        try {
            return new VerifyingInputStream(in, digest, Files.size(path));
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    @Override
    public InputStream openRange(Digest digest, long offset, long length) throws IOException {
        java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(pathOf(digest));
        try {
            channel.position(offset);
            InputStream all = java.nio.channels.Channels.newInputStream(channel);
            return new java.io.FilterInputStream(all) {
                private long left = length;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int b = super.read();
                    if (b >= 0) {
                        left--;
                    }
                    return b;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = super.read(buf, off, (int) Math.min(len, left));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }
            };
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void verify(Digest digest) throws IOException {
        try (InputStream in = open(digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private void removeStaleUploads(Duration age) throws IOException {
        Instant cutoff = Instant.now().minus(age);
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(tmp, "upload-*.part")) {
            for (Path part : parts) {
                FileTime modified = Files.getLastModifiedTime(part);
                if (modified.toInstant().isBefore(cutoff)) {
                    LOG.infof("removing abandoned upload %s", part);
                    Files.deleteIfExists(part);
                }
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debugf("cannot sync directory %s: %s", dir, e.getMessage());
        }
    }

    /** Counts bytes and refuses more than the limit. */
    private static final class LimitedOutput extends OutputStream {
        private final OutputStream out;
        private final long limit;
        long count;

        LimitedOutput(OutputStream out, long limit) {
            this.out = out;
            this.limit = limit;
        }

        @Override
        public void write(int b) throws IOException {
            check(1);
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            check(len);
            out.write(b, off, len);
            count += len;
        }

        private void check(int more) throws BlobTooLargeException {
            if (count + more > limit) {
                throw new BlobTooLargeException(limit);
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
