package dev.loraforge.artifacts.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.artifacts.testing.GeneratedContent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filesystem storage on its own: layout, verification on write and read, limits. */
class FileSystemBlobStorageTest {

    @TempDir
    Path dir;

    private static long files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void storesUnderTheShardedDigestPathAndKeepsSameContentOnce() throws Exception {
        FileSystemBlobStorage storage = new FileSystemBlobStorage(dir, 1 << 20);
        byte[] content = "weights".getBytes(StandardCharsets.UTF_8);

        StoredBlob first = storage.put(new ByteArrayInputStream(content), null);
        StoredBlob second = storage.put(new ByteArrayInputStream(content), Digest.parse(GeneratedContent.digest(content)));

        assertThat(first.created()).isTrue();
        assertThat(second.created()).isFalse();
        assertThat(first.blob()).isEqualTo(second.blob());
        assertThat(first.blob().digest().toString()).isEqualTo(GeneratedContent.digest(content));
        String hex = first.blob().digest().hex();
        assertThat(dir.resolve("sha256").resolve(hex.substring(0, 2)).resolve(hex)).hasBinaryContent(content);
        assertThat(files(dir)).isEqualTo(1);
    }

    @Test
    void aMismatchKeepsNothing() throws Exception {
        FileSystemBlobStorage storage = new FileSystemBlobStorage(dir, 1 << 20);
        Digest other = Digest.parse(GeneratedContent.digest("other".getBytes(StandardCharsets.UTF_8)));

        assertThatThrownBy(() -> storage.put(new ByteArrayInputStream("content".getBytes(StandardCharsets.UTF_8)), other))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining(other.toString()).hasMessageContaining("nothing was stored");
        assertThat(files(dir)).isZero();
    }

    @Test
    void contentBeyondTheLimitIsRefusedAndNothingKept() throws Exception {
        FileSystemBlobStorage storage = new FileSystemBlobStorage(dir, 1000);

        assertThatThrownBy(() -> storage.put(new GeneratedContent(1001, 1), null))
                .isInstanceOf(BlobTooLargeException.class).hasMessageContaining("1000");
        assertThat(storage.put(new GeneratedContent(1000, 1), null).blob().size()).isEqualTo(1000);
        assertThat(files(dir)).isEqualTo(1);
    }

    @Test
    void aCorruptedBlobIsNeverReadCompletely() throws Exception {
        FileSystemBlobStorage storage = new FileSystemBlobStorage(dir, 1 << 30);
        long size = 3 * 1024 * 1024 + 17;
        Digest digest = storage.put(new GeneratedContent(size, 5), null).blob().digest();
        assertThat(readAll(storage.open(digest))).isEqualTo(size);

        try (RandomAccessFile f = new RandomAccessFile(storage.pathOf(digest).toFile(), "rw")) {
            f.seek(size / 2);
            int b = f.read();
            f.seek(size / 2);
            f.write(b ^ 0x01);
        }
        long[] delivered = new long[1];
        assertThatThrownBy(() -> {
            try (InputStream in = storage.open(digest)) {
                byte[] buffer = new byte[8192];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    delivered[0] += n;
                }
            }
        }).isInstanceOf(CorruptBlobException.class).hasMessageContaining(digest.toString());
        assertThat(delivered[0]).isLessThan(size);
        assertThatThrownBy(() -> storage.verify(digest)).isInstanceOf(CorruptBlobException.class);

        // a truncated file is caught too
        try (RandomAccessFile f = new RandomAccessFile(storage.pathOf(digest).toFile(), "rw")) {
            f.setLength(size - 1);
        }
        assertThatThrownBy(() -> readAll(storage.open(digest))).isInstanceOf(CorruptBlobException.class);

        // storing the original content again repairs it
        storage.put(new GeneratedContent(size, 5), digest);
        assertThat(readAll(storage.open(digest))).isEqualTo(size);
    }

    private static long readAll(InputStream in) throws IOException {
        try (in) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }

    @Test
    void digestsAreParsedStrictlyWithClearMessages() {
        assertThatThrownBy(() -> Digest.parse("md5:abc")).hasMessageContaining("must start with 'sha256:'");
        assertThatThrownBy(() -> Digest.parse("sha256:abc")).hasMessageContaining("3 characters instead of 64");
        assertThatThrownBy(() -> Digest.parse("sha256:" + "A".repeat(64))).hasMessageContaining("lowercase");
        assertThat(Digest.parse("sha256:" + "a".repeat(64)).toString()).isEqualTo("sha256:" + "a".repeat(64));
    }
}
