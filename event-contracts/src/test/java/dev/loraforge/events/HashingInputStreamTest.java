package dev.loraforge.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The digest of an archive checked while it is extracted covers every byte, padding included. */
class HashingInputStreamTest {

    @Test
    void extractingThroughItHashesTheWholeArchive(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model/sub"));
        Files.writeString(tmp.resolve("model/config.json"), "{\"hidden_size\": 64}"); // not a multiple of 512: padded
        Files.write(dir.resolve("weights.bin"), new byte[1000]);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        DirectoryArchive.write(tmp.resolve("model"), tar);

        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new HashingInputStream(new ByteArrayInputStream(tar.toByteArray()), sha)) {
            DirectoryArchive.extract(in, tmp.resolve("out"));
            in.transferTo(OutputStream.nullOutputStream());
        }
        assertThat("sha256:" + HexFormat.of().formatHex(sha.digest())).isEqualTo(DirectoryArchive.digest(tmp.resolve("model")));
        assertThat(tmp.resolve("out/sub/weights.bin")).hasSize(1000);

        // what the plain DigestInputStream gives: the skipped padding is missing from the digest
        MessageDigest plain = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(new ByteArrayInputStream(tar.toByteArray()), plain)) {
            DirectoryArchive.extract(in, tmp.resolve("out2"));
            in.transferTo(OutputStream.nullOutputStream());
        }
        assertThat("sha256:" + HexFormat.of().formatHex(plain.digest())).isNotEqualTo(DirectoryArchive.digest(tmp.resolve("model")));
    }
}
