package dev.loraforge.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryArchiveTest {

    @TempDir
    Path tmp;

    /** A small model-like directory: nested files, an empty directory, sizes around block edges. */
    private Path sampleDir(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sub/deeper"));
        Files.createDirectories(dir.resolve("empty"));
        byte[] random = new byte[1500];
        new Random(7).nextBytes(random);
        Files.write(dir.resolve("model.safetensors"), random);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"llama\"}");
        Files.write(dir.resolve("sub/block.bin"), new byte[512]);
        Files.write(dir.resolve("sub/deeper/empty.txt"), new byte[0]);
        Files.writeString(dir.resolve("a-b.txt"), "sorts before the directory a/ but after a.txt");
        Files.createDirectories(dir.resolve("a"));
        Files.writeString(dir.resolve("a/x"), "x");
        Files.writeString(dir.resolve("a.txt"), "a dot");
        return dir;
    }

    private static byte[] archive(Path dir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long written = DirectoryArchive.write(dir, out);
        assertThat(written).isEqualTo(out.size());
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Relative path -> content (null for a directory) of every entry below {@code dir}. */
    private static Map<String, String> contents(Path dir) throws IOException {
        Map<String, String> result = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(p -> !p.equals(dir)).toList()) {
                String rel = dir.relativize(p).toString();
                result.put(rel, Files.isDirectory(p) ? null : HexFormat.of().formatHex(Files.readAllBytes(p)));
            }
        }
        return result;
    }

    /** The entry names of an archive, in order, read straight from the headers. */
    private static List<String> names(byte[] tar) {
        List<String> names = new ArrayList<>();
        for (int off = 0; off + 512 <= tar.length; ) {
            byte[] h = Arrays.copyOfRange(tar, off, off + 512);
            if (Arrays.equals(h, new byte[512])) {
                break;
            }
            String name = new String(h, 0, 100, StandardCharsets.UTF_8).replace("\0", "");
            String prefix = new String(h, 345, 155, StandardCharsets.UTF_8).replace("\0", "");
            names.add(prefix.isEmpty() ? name : prefix + "/" + name);
            long size = Long.parseLong(new String(h, 124, 11, StandardCharsets.US_ASCII), 8);
            off += 512 + (int) ((size + 511) / 512 * 512);
        }
        return names;
    }

    @Test
    void sameDirectoryGivesSameBytesAndTheDigestIsTheSha256OfThem() throws Exception {
        Path dir = sampleDir(tmp.resolve("model"));

        byte[] first = archive(dir);
        byte[] second = archive(dir);

        assertThat(second).isEqualTo(first);
        assertThat(DirectoryArchive.digest(dir)).isEqualTo(sha256(first)).matches("sha256:[0-9a-f]{64}");
    }

    @Test
    void timesPermissionsLocationAndCreationOrderDoNotChangeTheDigest() throws Exception {
        Path original = sampleDir(tmp.resolve("one"));
        Path copy = tmp.resolve("elsewhere/two");
        Files.createDirectories(copy);
        // create in reverse order, with other times and permissions
        List<Path> files;
        try (Stream<Path> walk = Files.walk(original)) {
            files = new ArrayList<>(walk.filter(p -> !p.equals(original)).toList());
        }
        java.util.Collections.reverse(files);
        for (Path p : files) {
            Path target = copy.resolve(original.relativize(p).toString());
            Files.createDirectories(target.getParent());
            if (Files.isDirectory(p)) {
                Files.createDirectories(target);
            } else {
                Files.copy(p, target);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
            }
            Files.setLastModifiedTime(target, FileTime.from(1_000_000 + files.indexOf(p), TimeUnit.SECONDS));
        }

        assertThat(DirectoryArchive.digest(copy)).isEqualTo(DirectoryArchive.digest(original));
    }

    @Test
    void contentNamesAndEmptyDirectoriesChangeTheDigest() throws Exception {
        Path dir = sampleDir(tmp.resolve("m"));
        String before = DirectoryArchive.digest(dir);

        byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
        bytes[700] ^= 1;
        Files.write(dir.resolve("model.safetensors"), bytes);
        String flipped = DirectoryArchive.digest(dir);
        Files.move(dir.resolve("a.txt"), dir.resolve("b.txt"));
        String renamed = DirectoryArchive.digest(dir);
        Files.createDirectory(dir.resolve("another-empty"));
        String withDir = DirectoryArchive.digest(dir);

        assertThat(List.of(before, flipped, renamed, withDir)).doesNotHaveDuplicates();
    }

    @Test
    void headersAreUstarWithFixedOwnerTimeAndModeAndEntriesSortedByPath() throws Exception {
        byte[] tar = archive(sampleDir(tmp.resolve("m")));

        assertThat(names(tar)).containsExactly("a-b.txt", "a.txt", "a/", "a/x", "config.json", "empty/",
                "model.safetensors", "sub/", "sub/block.bin", "sub/deeper/", "sub/deeper/empty.txt");
        assertThat(tar.length % 512).isZero();
        assertThat(Arrays.copyOfRange(tar, tar.length - 1024, tar.length)).isEqualTo(new byte[1024]);
        int off = 0;
        for (String name : names(tar)) {
            byte[] h = Arrays.copyOfRange(tar, off, off + 512);
            assertThat(new String(h, 257, 8, StandardCharsets.US_ASCII)).isEqualTo("ustar\000" + "00");
            assertThat(new String(h, 100, 7, StandardCharsets.US_ASCII)).isEqualTo(name.endsWith("/") ? "0000755" : "0000644");
            assertThat(new String(h, 108, 7, StandardCharsets.US_ASCII)).isEqualTo("0000000");
            assertThat(new String(h, 116, 7, StandardCharsets.US_ASCII)).isEqualTo("0000000");
            assertThat(new String(h, 136, 11, StandardCharsets.US_ASCII)).isEqualTo("00000000000");
            assertThat((char) h[156]).isEqualTo(name.endsWith("/") ? '5' : '0');
            long size = Long.parseLong(new String(h, 124, 11, StandardCharsets.US_ASCII), 8);
            off += 512 + (int) ((size + 511) / 512 * 512);
        }
    }

    @Test
    void extractRestoresTheDirectoryExactly() throws Exception {
        Path dir = sampleDir(tmp.resolve("m"));
        Path out = tmp.resolve("restored");

        DirectoryArchive.extract(new ByteArrayInputStream(archive(dir)), out);

        assertThat(contents(out)).isEqualTo(contents(dir));
        assertThat(DirectoryArchive.digest(out)).isEqualTo(DirectoryArchive.digest(dir));
    }

    @Test
    void theSystemTarReadsOurArchivesAndWeReadItsUstarArchives() throws Exception {
        Path dir = sampleDir(tmp.resolve("m"));
        Path tarFile = tmp.resolve("ours.tar");
        Files.write(tarFile, archive(dir));
        Path byTar = Files.createDirectories(tmp.resolve("by-tar"));
        run("tar", "-xf", tarFile.toString(), "-C", byTar.toString());
        assertThat(contents(byTar)).isEqualTo(contents(dir));

        Path theirs = tmp.resolve("theirs.tar");
        run("tar", "--format=ustar", "-cf", theirs.toString(), "-C", dir.toString(), ".");
        Path byUs = tmp.resolve("by-us");
        try (var in = Files.newInputStream(theirs)) {
            DirectoryArchive.extract(in, byUs);
        }
        assertThat(contents(byUs)).isEqualTo(contents(dir));
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    }

    @Test
    void longPathsUseThePrefixFieldAndTooLongOnesAreRefusedByName() throws Exception {
        Path dir = tmp.resolve("m");
        String deep = "d".repeat(60) + "/" + "e".repeat(60);
        Files.createDirectories(dir.resolve(deep));
        Files.writeString(dir.resolve(deep).resolve("f".repeat(90)), "deep");
        Path out = tmp.resolve("out");
        DirectoryArchive.extract(new ByteArrayInputStream(archive(dir)), out);
        assertThat(contents(out)).isEqualTo(contents(dir));

        Files.writeString(dir.resolve(deep).resolve("g".repeat(101)), "too long a file name");
        assertThatThrownBy(() -> DirectoryArchive.digest(dir))
                .isInstanceOf(DirectoryArchive.ArchiveException.class)
                .hasMessageContaining("g".repeat(101)).hasMessageContaining("too long");
    }

    @Test
    void aLinkToAFileIsArchivedAsItsContentALinkToADirectoryIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Path outside = Files.writeString(tmp.resolve("blob"), "weights");
        Files.createSymbolicLink(dir.resolve("model.safetensors"), outside);
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(plain.resolve("model.safetensors"), "weights");

        assertThat(DirectoryArchive.digest(dir)).isEqualTo(DirectoryArchive.digest(plain));

        Files.createSymbolicLink(dir.resolve("snap"), tmp);
        assertThatThrownBy(() -> DirectoryArchive.digest(dir))
                .isInstanceOf(DirectoryArchive.ArchiveException.class)
                .hasMessageContaining("snap").hasMessageContaining("symbolic link to a directory");
    }

    @Test
    void sizesFrom8GiBUseBase256() throws Exception {
        byte[] h = new byte[512];
        long big = 8L * 1024 * 1024 * 1024 + 5;
        DirectoryArchive.sizeField(h, 124, big);
        assertThat(h[124]).isEqualTo((byte) 0x80);
        assertThat(DirectoryArchive.parseSize(h, 124, "x")).isEqualTo(big);

        DirectoryArchive.sizeField(h, 124, DirectoryArchive.MAX_OCTAL_SIZE);
        assertThat(new String(h, 124, 12, StandardCharsets.US_ASCII)).isEqualTo("77777777777\0");
        assertThat(DirectoryArchive.parseSize(h, 124, "x")).isEqualTo(DirectoryArchive.MAX_OCTAL_SIZE);
    }

    // ------------------------------------------------------------ hostile or broken archives

    /** A header of any type, checksum fixed up. */
    private static byte[] header(String name, char type, long size) throws IOException {
        byte[] h = DirectoryArchive.header(name, false, size);
        h[156] = (byte) type;
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] digits = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, h, 148, 8);
        return h;
    }

    private static byte[] tar(Object... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            byte[] b = part instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) part;
            out.write(b);
            if (!(part instanceof byte[] && b.length == 512)) {
                out.write(new byte[(512 - b.length % 512) % 512]);
            }
        }
        return out.toByteArray();
    }

    private static byte[] end() {
        return new byte[1024];
    }

    private void assertRefused(byte[] archive, String... messageParts) {
        Path target = tmp.resolve("target-" + System.nanoTime());
        assertThatThrownBy(() -> DirectoryArchive.extract(new ByteArrayInputStream(archive), target))
                .isInstanceOf(DirectoryArchive.ArchiveException.class)
                .hasMessageContainingAll(messageParts);
        assertThat(target).as("nothing is left behind").doesNotExist();
    }

    @Test
    void pathTraversalAbsolutePathsLinksAndSpecialFilesAreRefusedAndNothingIsLeftBehind() throws Exception {
        // a good file first: it must be removed again when a later entry is refused
        byte[] good = tar(header("ok/good.txt", '0', 4), "good");
        assertRefused(tar(good, header("../evil.txt", '0', 4), "evil", end()), "../evil.txt", "traversal");
        assertRefused(tar(good, header("ok/../../evil.txt", '0', 4), "evil", end()), "'..'");
        assertRefused(tar(good, header("/etc/evil", '0', 4), "evil", end()), "/etc/evil", "absolute");
        assertRefused(tar(good, header("ok/link", '2', 0), end()), "ok/link", "symbolic link");
        assertRefused(tar(good, header("ok/hard", '1', 0), end()), "ok/hard", "hard link");
        assertRefused(tar(good, header("ok/dev", '3', 0), end()), "ok/dev", "special files");
        assertRefused(tar(good, header("PaxHeaders/x", 'x', 0), end()), "PAX");
        assertRefused(tar(good, header("ok/good.txt", '0', 4), "dupe", end()), "already exists");
    }

    @Test
    void corruptedTruncatedAndNonTarInputIsRefused() throws Exception {
        byte[] ok = tar(header("a.txt", '0', 5), "hello", end());
        byte[] corrupted = ok.clone();
        corrupted[3] ^= 1; // inside the name: the checksum no longer matches
        assertRefused(corrupted, "checksum");
        assertRefused(Arrays.copyOf(ok, 512 + 3), "truncated", "a.txt");
        assertRefused(Arrays.copyOf(ok, 1024), "truncated");
        assertRefused("this is not a tar archive at all".repeat(40).getBytes(StandardCharsets.UTF_8), "not a ustar header");
    }

    @Test
    void existingFilesInTheTargetAreNeverOverwritten() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("t"));
        Files.writeString(target.resolve("a.txt"), "mine");

        assertThatThrownBy(() -> DirectoryArchive.extract(
                new ByteArrayInputStream(tar(header("a.txt", '0', 5), "hello", end())), target))
                .isInstanceOf(DirectoryArchive.ArchiveException.class).hasMessageContaining("already exists");
        assertThat(target.resolve("a.txt")).hasContent("mine");
    }

    @Test
    void extractDoesNotFollowALinkAlreadyInTheTarget() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("t"));
        Path outside = Files.createDirectories(tmp.resolve("outside/sub"));
        Files.createSymbolicLink(target.resolve("link"), outside.getParent());

        assertThatThrownBy(() -> DirectoryArchive.extract(
                new ByteArrayInputStream(tar(header("link/sub/x.txt", '0', 1), "x", end())), target))
                .isInstanceOf(DirectoryArchive.ArchiveException.class).hasMessageContaining("symbolic link");
        assertThat(outside.resolve("x.txt")).doesNotExist();
    }
}
