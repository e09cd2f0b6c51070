package dev.loraforge.artifacts.service;

import dev.loraforge.contracts.InvalidRequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Hugging Face hub cache's layout ({@code huggingface_hub}'s {@code HF_HUB_CACHE}): a repository
 * {@code org/name} lives in {@code models--org--name/}, each downloaded revision in {@code snapshots/<commit>/} (its
 * files symbolic links into {@code ../../blobs/}), and {@code refs/main} holds the commit {@code main} pointed to.
 * A model imported from there is named {@code org/name} and records its revision.
 */
final class HubCache {

    /** A snapshot folder, the repository it belongs to and its revision (a commit hash). */
    record Snapshot(Path dir, String repoId, String revision) {
    }

    private static final String PREFIX = "models--";
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private HubCache() {
    }

    /**
     * The snapshot {@code dir} names: {@code dir} itself when it is {@code models--*}/snapshots/REV, the revision
     * {@code refs/main} names (or the only one) when it is the {@code models--*} folder; empty for any other folder.
     */
    static Optional<Snapshot> of(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("snapshots")
                && isRepository(parent.getParent())) {
            return Optional.of(new Snapshot(dir, repoId(parent.getParent()), dir.getFileName().toString()));
        }
        if (!isRepository(dir)) {
            return Optional.empty();
        }
        Path snapshots = dir.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            throw invalid(dir + " is a hub cache repository folder without snapshots/: download the model again"
                    + " (huggingface-cli download " + repoId(dir) + ")");
        }
        Path main = dir.resolve("refs").resolve("main");
        String revision;
        if (Files.isRegularFile(main)) {
            revision = Files.readString(main).trim();
            if (!REVISION.matcher(revision).matches() || !Files.isDirectory(snapshots.resolve(revision))) {
                throw invalid(main + " names revision '" + revision + "', which has no folder under " + snapshots
                        + "; give the path of the snapshot to import");
            }
        } else {
            List<Path> all;
            try (Stream<Path> s = Files.list(snapshots)) {
                all = s.filter(Files::isDirectory).toList();
            }
            if (all.size() != 1) {
                throw invalid(dir + " has " + all.size() + " snapshots and no refs/main: give the path of the snapshot"
                        + " to import (" + snapshots + "/<revision>)");
            }
            revision = all.get(0).getFileName().toString();
        }
        return Optional.of(new Snapshot(snapshots.resolve(revision), repoId(dir), revision));
    }

    private static boolean isRepository(Path dir) {
        return dir != null && dir.getFileName() != null && dir.getFileName().toString().startsWith(PREFIX)
                && dir.getFileName().toString().length() > PREFIX.length();
    }

    /** {@code models--org--name} is {@code org/name}; {@code models--name} is {@code name}. */
    private static String repoId(Path repository) {
        String rest = repository.getFileName().toString().substring(PREFIX.length());
        int cut = rest.indexOf("--");
        return cut < 0 ? rest : rest.substring(0, cut) + "/" + rest.substring(cut + 2);
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException("path", message);
    }
}
