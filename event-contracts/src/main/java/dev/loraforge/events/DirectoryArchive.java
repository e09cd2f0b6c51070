package dev.loraforge.events;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A directory (a model, a PEFT adapter, a checkpoint) as ONE deterministic tar, so that the same
 * directory always gives the same bytes and therefore the same sha256 digest.
 *
 * <p>Format: POSIX ustar, no compression. Entries are the directory's sub-directories (name ending
 * in {@code /}, mode 0755) and regular files (mode 0644), sorted by the UTF-8 bytes of their
 * relative path ({@code /}-separated, no leading {@code ./}); mtime 0, uid/gid 0, empty owner
 * names; the archive ends with two zero blocks (no padding to a 10 KiB record). The root itself is
 * not an entry. A symbolic link to a regular file is archived as that file's content; links to
 * directories, broken links and special files are refused. Sizes of 8 GiB and more use the
 * base-256 size encoding that GNU tar, bsdtar and Python's tarfile read. Paths must fit ustar's
 * 155-byte prefix and 100-byte name fields.
 *
 * <p>{@link #extract} reads such archives (and plain ustar archives from other tools) and refuses
 * absolute paths, {@code ..}, links, devices and vendor extensions; when it refuses, what it had
 * already written is removed again.
 *
 * <p>Everything streams: file contents pass through a 64 KiB buffer, never whole into memory.
 */
public final class DirectoryArchive {

    /** Media type of the archive. */
    public static final String MEDIA_TYPE = "application/x-tar";

    static final int BLOCK = 512;
    /** Largest size the 11 octal digits of a ustar size field can hold (8 GiB - 1). */
    static final long MAX_OCTAL_SIZE = 077777777777L;
    private static final int NAME_LEN = 100;
    private static final int PREFIX_LEN = 155;
    private static final int BUFFER = 64 * 1024;
    private static final byte[] ZERO_BLOCK = new byte[BLOCK];

    private DirectoryArchive() {
    }

    /** Refusal to archive or extract: the message names the entry and the reason. */
    public static final class ArchiveException extends IOException {
        public ArchiveException(String message) {
            super(message);
        }
    }

    /**
     * Writes {@code dir} as a deterministic tar to {@code out} (which stays open).
     *
     * @return the number of bytes written
     */
    public static long write(Path dir, OutputStream out) throws IOException {
        List<Entry> entries = list(dir);
        CountingOutput counted = new CountingOutput(out);
        byte[] buffer = new byte[BUFFER];
        for (Entry entry : entries) {
            long size = entry.directory ? 0 : Files.size(entry.path);
            counted.write(header(entry.name, entry.directory, size));
            if (!entry.directory) {
                copyFile(entry, size, counted, buffer);
            }
        }
        counted.write(ZERO_BLOCK);
        counted.write(ZERO_BLOCK);
        counted.flush();
        return counted.count;
    }

    /** The digest ({@code sha256:<64 hex>}) of the archive {@link #write} would produce for {@code dir}. */
    public static String digest(Path dir) throws IOException {
        MessageDigest sha256 = sha256();
        try (DigestOutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha256)) {
            write(dir, out);
        }
        return "sha256:" + HexFormat.of().formatHex(sha256.digest());
    }

    /**
     * Extracts a ustar archive into {@code dir} (created when missing). Reads up to the end-of-archive
     * blocks and leaves {@code in} open. Refuses (with {@link ArchiveException}) entries that would
     * land outside {@code dir}, links, special files, vendor extensions, entries that already exist,
     * corrupted headers and truncated archives; on any failure, the files and directories it created
     * are deleted again.
     */
    public static void extract(InputStream in, Path dir) throws IOException {
        boolean rootExisted = Files.exists(dir, LinkOption.NOFOLLOW_LINKS);
        if (rootExisted && !Files.isDirectory(dir)) {
            throw new ArchiveException("cannot extract into " + dir + ": it exists and is not a directory");
        }
        Files.createDirectories(dir);
        Path root = dir.toRealPath();
        List<Path> created = new ArrayList<>();
        if (!rootExisted) {
            created.add(root);
        }
        try {
            extractEntries(in, root, created);
        } catch (IOException | RuntimeException e) {
            for (int i = created.size() - 1; i >= 0; i--) {
                try {
                    Files.deleteIfExists(created.get(i));
                } catch (IOException ignored) {
                    // best effort: a directory that is not empty holds something we did not create
                }
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- writing

    private record Entry(String name, byte[] sortKey, Path path, boolean directory) {
    }

    private static List<Entry> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ArchiveException("cannot archive " + dir + ": not a directory");
        }
        List<Entry> entries = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!d.equals(dir)) {
                    entries.add(entry(dir, d, true));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    entries.add(entry(dir, file, false));
                } else if (attrs.isSymbolicLink()) {
                    if (Files.isRegularFile(file)) {
                        entries.add(entry(dir, file, false));
                    } else if (Files.isDirectory(file)) {
                        throw new ArchiveException("cannot archive " + file
                                + ": a symbolic link to a directory; replace it with a copy of the directory");
                    } else {
                        throw new ArchiveException("cannot archive " + file + ": a broken symbolic link");
                    }
                } else {
                    throw new ArchiveException("cannot archive " + file
                            + ": not a regular file or directory (devices, sockets and pipes are refused)");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw e;
            }
        });
        entries.sort((a, b) -> Arrays.compareUnsigned(a.sortKey, b.sortKey));
        return entries;
    }

    private static Entry entry(Path root, Path path, boolean directory) throws ArchiveException {
        StringBuilder name = new StringBuilder();
        for (Path element : root.relativize(path)) {
            if (name.length() > 0) {
                name.append('/');
            }
            name.append(element);
        }
        if (directory) {
            name.append('/');
        }
        String n = name.toString();
        splitName(n.getBytes(StandardCharsets.UTF_8), n); // fail before writing anything
        return new Entry(n, n.getBytes(StandardCharsets.UTF_8), path, directory);
    }

    private static void copyFile(Entry entry, long size, OutputStream out, byte[] buffer) throws IOException {
        long copied = 0;
        try (InputStream in = Files.newInputStream(entry.path)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (copied + n > size) {
                    throw new ArchiveException("cannot archive " + entry.path + ": it grew while being archived");
                }
                out.write(buffer, 0, n);
                copied += n;
            }
        }
        if (copied != size) {
            throw new ArchiveException("cannot archive " + entry.path + ": it shrank while being archived");
        }
        int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
        out.write(ZERO_BLOCK, 0, pad);
    }

    /** The 512-byte ustar header of one entry. */
    static byte[] header(String name, boolean directory, long size) throws ArchiveException {
        byte[] h = new byte[BLOCK];
        byte[][] split = splitName(name.getBytes(StandardCharsets.UTF_8), name);
        System.arraycopy(split[1], 0, h, 0, split[1].length);        // name
        octal(h, 100, 8, directory ? 0755 : 0644);                    // mode
        octal(h, 108, 8, 0);                                          // uid
        octal(h, 116, 8, 0);                                          // gid
        sizeField(h, 124, size);                                      // size
        octal(h, 136, 12, 0);                                         // mtime
        h[156] = (byte) (directory ? '5' : '0');                      // typeflag
        ascii(h, 257, "ustar\0");                                     // magic
        ascii(h, 263, "00");                                          // version
        octal(h, 329, 8, 0);                                          // devmajor
        octal(h, 337, 8, 0);                                          // devminor
        System.arraycopy(split[0], 0, h, 345, split[0].length);       // prefix
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = checksum(h);
        ascii(h, 148, String.format("%06o", sum));                    // chksum: 6 octal digits, NUL, space
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    /** {prefix, name} such that the path fits ustar's fields, split at a '/'. */
    private static byte[][] splitName(byte[] bytes, String name) throws ArchiveException {
        if (bytes.length <= NAME_LEN) {
            return new byte[][] {new byte[0], bytes};
        }
        // the trailing '/' of a directory belongs to the name part, so never split there
        for (int i = 1; i < bytes.length - 1; i++) {
            if (bytes[i] == '/' && bytes.length - i - 1 <= NAME_LEN) {
                if (i > PREFIX_LEN) {
                    break;
                }
                return new byte[][] {Arrays.copyOfRange(bytes, 0, i), Arrays.copyOfRange(bytes, i + 1, bytes.length)};
            }
        }
        throw new ArchiveException("cannot archive '" + name + "': the path is too long for a ustar archive"
                + " (at most 155 bytes of directories and 100 bytes of file name); shorten it");
    }

    static void sizeField(byte[] h, int offset, long size) {
        if (size <= MAX_OCTAL_SIZE) {
            octal(h, offset, 12, size);
            return;
        }
        // base-256: high bit of the first byte set, the value big-endian in the remaining 11 bytes
        Arrays.fill(h, offset, offset + 12, (byte) 0);
        h[offset] = (byte) 0x80;
        long v = size;
        for (int i = offset + 11; i > offset; i--) {
            h[i] = (byte) (v & 0xff);
            v >>>= 8;
        }
    }

    private static void octal(byte[] h, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        String padded = "0".repeat(length - 1 - digits.length()) + digits;
        ascii(h, offset, padded);
        h[offset + length - 1] = 0;
    }

    private static void ascii(byte[] h, int offset, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, offset, b.length);
    }

    private static long checksum(byte[] h) {
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        return sum;
    }

    // ---------------------------------------------------------------- reading

    private static void extractEntries(InputStream in, Path root, List<Path> created) throws IOException {
        byte[] h = new byte[BLOCK];
        byte[] buffer = new byte[BUFFER];
        int index = 0;
        while (true) {
            if (!readBlock(in, h)) {
                throw new ArchiveException("archive truncated: it ends without the end-of-archive blocks"
                        + " after " + index + " entries");
            }
            if (isZero(h)) {
                return; // end of archive (a second zero block may follow; it is not needed)
            }
            index++;
            checkHeader(h, index);
            String name = entryName(h);
            char type = (char) h[156];
            long size = parseSize(h, 124, name);
            Path target = target(root, name);
            switch (type) {
                case '5' -> {
                    if (target.equals(root)) {
                        skip(in, padded(size), name);
                        continue;
                    }
                    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                            && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        throw new ArchiveException("directory entry '" + name + "' collides with an existing file"
                                + " or link in " + root);
                    }
                    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        createParents(root, target, created);
                        Files.createDirectory(target);
                        created.add(target);
                    }
                    skip(in, padded(size), name);
                }
                case '0', '\0' -> {
                    if (name.endsWith("/") || target.equals(root)) {
                        throw new ArchiveException("entry '" + name + "' is a file whose name ends with '/'");
                    }
                    createParents(root, target, created);
                    OutputStream out;
                    try {
                        out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    } catch (java.nio.file.FileAlreadyExistsException e) {
                        throw new ArchiveException("entry '" + name + "' already exists in " + root
                                + " (a duplicate entry, or the target directory is not empty)");
                    }
                    created.add(target);
                    try (out) {
                        copyExactly(in, out, size, buffer, name);
                    }
                    skip(in, padded(size) - size, name);
                }
                case '1', '2' -> throw new ArchiveException("entry '" + name + "' is a "
                        + (type == '1' ? "hard" : "symbolic") + " link; links are refused");
                case 'x', 'g', 'L', 'K' -> throw new ArchiveException("entry '" + name + "' uses a "
                        + (type == 'x' || type == 'g' ? "PAX" : "GNU") + " extension header (type '" + type
                        + "'), which is not supported; write the archive with DirectoryArchive or tar --format=ustar");
                default -> throw new ArchiveException("entry '" + name + "' has type '" + type
                        + "' (devices, FIFOs and other special files are refused)");
            }
        }
    }

    private static void checkHeader(byte[] h, int index) throws ArchiveException {
        String magic = new String(h, 257, 5, StandardCharsets.US_ASCII);
        if (!"ustar".equals(magic)) {
            throw new ArchiveException("entry " + index + " is not a ustar header (magic '" + printable(magic)
                    + "'): not a tar archive, or a pre-POSIX one");
        }
        long stored = parseOctal(h, 148, 8, "entry " + index + " checksum");
        byte[] copy = h.clone();
        Arrays.fill(copy, 148, 156, (byte) ' ');
        if (checksum(copy) != stored) {
            throw new ArchiveException("entry " + index + " has a header checksum mismatch: the archive is corrupted");
        }
    }

    private static String entryName(byte[] h) {
        String name = cString(h, 0, NAME_LEN);
        String prefix = cString(h, 345, PREFIX_LEN);
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static Path target(Path root, String name) throws ArchiveException {
        if (name.isEmpty()) {
            throw new ArchiveException("an entry has an empty name");
        }
        if (name.startsWith("/")) {
            throw new ArchiveException("entry '" + name + "' has an absolute path; refused");
        }
        Path target = root;
        boolean any = false;
        for (String element : name.split("/")) {
            if (element.isEmpty() || element.equals(".")) {
                continue;
            }
            if (element.equals("..")) {
                throw new ArchiveException("entry '" + name + "' contains '..' (path traversal); refused");
            }
            if (element.indexOf('\0') >= 0 || element.indexOf('\\') >= 0) {
                throw new ArchiveException("entry '" + printable(name) + "' has a NUL or backslash in its name; refused");
            }
            target = target.resolve(element);
            any = true;
        }
        if (!any) {
            return root; // "./": the root itself
        }
        if (!target.normalize().startsWith(root)) {
            throw new ArchiveException("entry '" + name + "' would land outside " + root + "; refused");
        }
        return target;
    }

    /** Creates missing parents of {@code target}, refusing to pass through a symbolic link or a file. */
    private static void createParents(Path root, Path target, List<Path> created) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = target.getParent(); !p.equals(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new ArchiveException("cannot extract " + root.relativize(target) + ": "
                        + root.relativize(p) + " is a symbolic link in the target directory");
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                missing.add(0, p);
            } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new ArchiveException("cannot extract " + root.relativize(target) + ": "
                        + root.relativize(p) + " exists and is not a directory");
            }
        }
        for (Path p : missing) {
            Files.createDirectory(p);
            created.add(p);
        }
    }

    static long parseSize(byte[] h, int offset, String name) throws ArchiveException {
        if ((h[offset] & 0x80) != 0) {
            if (h[offset] != (byte) 0x80) {
                throw new ArchiveException("entry '" + name + "' has a negative or oversized base-256 size");
            }
            long v = 0;
            for (int i = offset + 1; i < offset + 12; i++) {
                if ((v >>> 55) != 0) {
                    throw new ArchiveException("entry '" + name + "' has a size beyond 2^63");
                }
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        return parseOctal(h, offset, 12, "entry '" + name + "' size");
    }

    private static long parseOctal(byte[] h, int offset, int length, String what) throws ArchiveException {
        long v = 0;
        int i = offset;
        int end = offset + length;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        boolean digits = false;
        for (; i < end && h[i] != 0 && h[i] != ' '; i++) {
            if (h[i] < '0' || h[i] > '7') {
                throw new ArchiveException(what + " is not an octal number: the archive is corrupted");
            }
            v = (v << 3) + (h[i] - '0');
            digits = true;
        }
        if (!digits) {
            throw new ArchiveException(what + " is empty: the archive is corrupted");
        }
        return v;
    }

    private static void copyExactly(InputStream in, OutputStream out, long size, byte[] buffer, String name)
            throws IOException {
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new ArchiveException("archive truncated inside entry '" + name + "' ("
                        + (size - left) + " of " + size + " bytes)");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static void skip(InputStream in, long count, String name) throws IOException {
        try {
            in.skipNBytes(count);
        } catch (EOFException e) {
            throw new ArchiveException("archive truncated after entry '" + name + "'");
        }
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int read = in.readNBytes(block, 0, BLOCK);
        if (read == 0) {
            return false;
        }
        if (read < BLOCK) {
            throw new ArchiveException("archive truncated: a header block has " + read + " of 512 bytes");
        }
        return true;
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] h, int offset, int length) {
        int end = offset;
        while (end < offset + length && h[end] != 0) {
            end++;
        }
        return new String(h, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static final class CountingOutput extends OutputStream {
        private final OutputStream out;
        long count;

        CountingOutput(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
