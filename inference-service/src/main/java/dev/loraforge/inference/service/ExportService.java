package dev.loraforge.inference.service;

import dev.loraforge.contracts.artifactstore.BlobTransfer;
import dev.loraforge.engine.export.GgufExport;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraMerge;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.inference.config.InferenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A fine-tuned model made portable: the adapter folded into its base ({@code W + scaling B A}, the engine's
 * {@link LoraMerge}) as a full Hugging Face model directory in the base's dtype (a tar), or that merged model as one
 * GGUF file (f16, llama.cpp's names, with the tokenizer and chat template; {@link GgufExport}). Made once per (base,
 * adapter, format) on the base and adapter this service serves, kept under {@code work-dir/exports} (the
 * {@code max-exports} most recently made), and read by range as often as asked.
 */
@ApplicationScoped
public class ExportService {

    private static final Logger LOG = Logger.getLogger(ExportService.class);

    /** What an export is. */
    public enum Format {
        MERGED("merged", ".tar", DirectoryArchive.MEDIA_TYPE),
        GGUF("gguf", ".gguf", "application/octet-stream");

        private final String wireName;
        private final String suffix;
        private final String mediaType;

        Format(String wireName, String suffix, String mediaType) {
            this.wireName = wireName;
            this.suffix = suffix;
            this.mediaType = mediaType;
        }

        public String wireName() {
            return wireName;
        }

        public String suffix() {
            return suffix;
        }

        public String mediaType() {
            return mediaType;
        }

        /** The format named {@code name}; a 400 naming the valid ones otherwise. */
        public static Format parse(String name) {
            return Arrays.stream(values()).filter(f -> f.wireName.equals(name)).findFirst()
                    .orElseThrow(() -> InferenceException.invalid("format", "format must be one of "
                            + Arrays.stream(values()).map(Format::wireName).toList() + ", got '" + name + "'"));
        }
    }

    /** An export on disk: the file and its length. */
    public record Export(Path file, long size, Format format) {
    }

    private final ModelStore models;
    private final Path exports;
    private final int keep;
    private final Map<String, Object> making = new ConcurrentHashMap<>();

    public ExportService(ModelStore models, InferenceConfig config) {
        this.models = models;
        this.exports = Path.of(config.workDir()).resolve("exports");
        this.keep = Math.max(1, config.maxExports());
    }

    /**
     * The export of {@code adapterDigest} on {@code baseDigest} (both read as {@code tenant}), made when it is not on
     * disk. {@code name}: the model's name, written into a GGUF file's {@code general.name}.
     */
    public Export export(String baseDigest, String baseName, String adapterDigest, Format format, String tenant,
                         String name) {
        Path file = exports.resolve((baseDigest + "-" + adapterDigest).replace(':', '-') + format.suffix());
        try (LeasedCache.Lease<LoadedBase> base = models.base(baseDigest, tenant);
             LeasedCache.Lease<Adapter> adapter = models.adapter(base.get(), adapterDigest, baseName, tenant)) {
            if (!(adapter.get() instanceof LoraAdapter lora)) {
                throw new InferenceException(422, "adapter_not_mergeable", "format", "adapter " + adapterDigest + " is a "
                        + adapter.get().peftType() + " adapter: it has no weights to fold into the base; download it"
                        + " as format=peft and load it with PEFT");
            }
            synchronized (making.computeIfAbsent(file.toString(), k -> new Object())) {
                if (Files.isRegularFile(file)) {
                    touch(file);
                    return new Export(file, size(file), format);
                }
                long start = System.nanoTime();
                make(base.get(), lora, format, file, name);
                LOG.infof("exported adapter %s on base %s as %s (%d bytes) in %.1f s", adapterDigest, baseDigest,
                        format.wireName(), size(file), (System.nanoTime() - start) / 1e9);
                prune(file);
                return new Export(file, size(file), format);
            }
        }
    }

    private void make(LoadedBase base, LoraAdapter lora, Format format, Path file, String name) {
        Path work = exports.resolve(".partial-" + UUID.randomUUID());
        Path merged = work.resolve("merged");
        try {
            Files.createDirectories(work);
            try {
                LoraMerge.merge(base.model(), lora, merged);
            } catch (IllegalStateException e) {
                throw new InferenceException(422, "adapter_not_mergeable", "adapter", e.getMessage(), e);
            }
            Path out = work.resolve("export" + format.suffix());
            if (format == Format.GGUF) {
                try {
                    GgufExport.write(merged, out, name);
                } catch (IllegalArgumentException e) {
                    throw new InferenceException(422, "format_unsupported", "format", e.getMessage()
                            .replace(merged.toString(), "the merged model"), e);
                }
            } else {
                try (OutputStream tar = Files.newOutputStream(out)) {
                    DirectoryArchive.write(merged, tar);
                }
            }
            Files.move(out, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the " + format.wireName() + " export under " + exports, e);
        } finally {
            BlobTransfer.deleteTree(work);
        }
    }

    /** Deletes the oldest exports beyond {@code max-exports}, never {@code current}. */
    private void prune(Path current) {
        try (Stream<Path> files = Files.list(exports)) {
            List<Path> done = files.filter(f -> !f.getFileName().toString().startsWith(".partial-"))
                    .sorted(Comparator.comparing(ExportService::modified).reversed()).toList();
            for (Path old : done.subList(Math.min(keep, done.size()), done.size())) {
                if (!old.equals(current)) {
                    Files.deleteIfExists(old); // a download reading it keeps its open file
                }
            }
        } catch (IOException e) {
            LOG.warnf("could not prune exports under %s: %s", exports, e.getMessage());
        }
    }

    private static FileTime modified(Path f) {
        try {
            return Files.getLastModifiedTime(f);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static void touch(Path f) {
        try {
            Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // only the pruning order suffers
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
