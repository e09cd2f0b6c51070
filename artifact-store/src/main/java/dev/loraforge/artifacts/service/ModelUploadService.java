package dev.loraforge.artifacts.service;

import dev.loraforge.artifacts.config.ArtifactStoreConfig;
import dev.loraforge.artifacts.repository.ModelUploadEntity;
import dev.loraforge.artifacts.repository.ModelUploadPartEntity;
import dev.loraforge.artifacts.storage.BlobTooLargeException;
import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.contracts.artifactstore.CompleteModelUpload;
import dev.loraforge.contracts.artifactstore.ModelUploadRequest;
import dev.loraforge.contracts.artifactstore.ModelUploadView;
import dev.loraforge.events.DirectoryArchive;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Base models that arrive over HTTP, in parts, in the shape of OpenAI's Uploads API: create an upload (name and total
 * size), send parts (each streamed to disk with its size and sha256; an interrupted part is not recorded and is sent
 * again), then complete with the part ids in order: the joined bytes are a ustar tar of the model directory, which is
 * extracted, checked like a directory import ({@link BaseModelService#registerDirectory}) and registered. A refused
 * model fails the upload with the reason and registers nothing; parts that do not add up leave it pending. Pending
 * uploads expire after {@code artifacts.model-upload-ttl}, their parts deleted.
 *
 * <p>Completion is serialised per upload within this instance (one artifact-store owns its storage directory).
 */
@ApplicationScoped
public class ModelUploadService {

    private static final Logger LOG = Logger.getLogger(ModelUploadService.class);
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern FILENAME = Pattern.compile("[^\\p{Cntrl}/\\\\]{1,255}");
    private static final Pattern ID = Pattern.compile("mupload-[0-9a-f]{32}");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

    private final EntityManager db;
    private final BaseModelService baseModels;
    private final ArtifactStoreConfig config;
    private final Path root;
    private final Map<String, Object> completing = new ConcurrentHashMap<>();

    public ModelUploadService(EntityManager db, BaseModelService baseModels, ArtifactStoreConfig config) {
        this.db = db;
        this.baseModels = baseModels;
        this.config = config;
        this.root = config.storageDir().toAbsolutePath().resolve("model-uploads");
    }

    public ModelUploadView create(ModelUploadRequest request) {
        if (request == null) {
            throw new InvalidRequestException("body", "a JSON object {\"name\", \"bytes\"} is required");
        }
        if (request.name() == null || !BaseModelService.NAME.matcher(request.name()).matches()) {
            throw new InvalidRequestException("name", "'" + request.name() + "' must be NAME or ORG/NAME, each 1-96"
                    + " letters, digits, '.', '_' or '-' starting with a letter or digit");
        }
        long max = config.maxBlobSize().asLongValue();
        if (request.bytes() == null || request.bytes() < 1 || request.bytes() > max) {
            throw new InvalidRequestException("bytes", "the archive's size in bytes, 1 to " + max + ", is required; got "
                    + request.bytes());
        }
        if (request.filename() != null && !FILENAME.matcher(request.filename()).matches()) {
            throw new InvalidRequestException("filename", "a file name of 1-255 characters without '/', '\\' or"
                    + " control characters");
        }
        if (request.revision() != null && !REVISION.matcher(request.revision()).matches()) {
            throw new InvalidRequestException("revision", "1-128 letters, digits, '.', '_' or '-' (a commit hash or tag)");
        }
        BaseModelService.checkOwner(request.tenantId());
        ModelUploadEntity upload = new ModelUploadEntity();
        upload.id = "mupload-" + UUID.randomUUID().toString().replace("-", "");
        upload.name = request.name();
        upload.revision = request.revision();
        upload.tenantId = request.tenantId();
        upload.filename = request.filename();
        upload.bytes = request.bytes();
        upload.status = "pending";
        upload.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        upload.expiresAt = upload.createdAt.plus(config.modelUploadTtl());
        QuarkusTransaction.requiringNew().run(() -> db.persist(upload));
        LOG.infof("model upload %s started: %s (%s), %d bytes", upload.id, upload.name,
                upload.tenantId == null ? "public" : "private to " + upload.tenantId, upload.bytes);
        return view(upload, List.of());
    }

    public ModelUploadView get(String id) {
        return QuarkusTransaction.requiringNew().call(() -> {
            ModelUploadEntity upload = find(id);
            return view(upload, parts(id));
        });
    }

    /**
     * Streams one part to disk and records it. A body that breaks off leaves no part (send it again); one beyond
     * {@code artifacts.model-upload-max-part} is a 413.
     */
    public ModelUploadView.Part addPart(String id, InputStream body) throws IOException {
        try {
            pending(id);
        } catch (RuntimeException refused) {
            // read the body before answering: a refusal sent with the request unread can be lost to a socket reset
            drain(body, config.modelUploadMaxPart().asLongValue());
            throw refused;
        }
        String partId = "part-" + UUID.randomUUID().toString().replace("-", "");
        Path dir = Files.createDirectories(root.resolve(id));
        Path partial = dir.resolve(partId + ".partial");
        long limit = config.modelUploadMaxPart().asLongValue();
        MessageDigest sha = sha256();
        long size = 0;
        try (OutputStream out = Files.newOutputStream(partial)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = body.read(buf)) > 0; ) {
                size += n;
                if (size > limit) {
                    throw new BlobTooLargeException(limit);
                }
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        if (size == 0) {
            Files.deleteIfExists(partial);
            throw new InvalidRequestException("body", "a part holds at least one byte of the archive");
        }
        Files.move(partial, dir.resolve(partId), StandardCopyOption.ATOMIC_MOVE);
        ModelUploadPartEntity part = new ModelUploadPartEntity();
        part.id = partId;
        part.uploadId = id;
        part.size = size;
        part.sha256 = HexFormat.of().formatHex(sha.digest());
        part.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                ModelUploadEntity upload = db.find(ModelUploadEntity.class, id,
                        jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
                requirePending(upload);
                db.persist(part);
            });
        } catch (RuntimeException e) {
            Files.deleteIfExists(dir.resolve(partId)); // completed or cancelled meanwhile
            throw e;
        }
        return partView(part);
    }

    private static void drain(InputStream body, long limit) {
        try {
            byte[] buf = new byte[1 << 16];
            long read = 0;
            for (int n; read <= limit && (n = body.read(buf)) > 0; ) {
                read += n;
            }
        } catch (IOException e) {
            // the client went away: nothing to answer
        }
    }

    /** Joins the listed parts, checks the model and registers it; see the class comment. */
    public ModelUploadView complete(String id, CompleteModelUpload request) throws IOException {
        synchronized (completing.computeIfAbsent(id, k -> new Object())) {
            try {
                return completeNow(id, request);
            } finally {
                completing.remove(id);
            }
        }
    }

    private ModelUploadView completeNow(String id, CompleteModelUpload request) throws IOException {
        ModelUploadEntity upload = pending(id);
        List<ModelUploadPartEntity> chosen = chosenParts(upload, request);
        Path dir = root.resolve(id);
        Path staging = dir.resolve("model");
        Trees.delete(staging);
        List<InputStream> streams = new ArrayList<>();
        for (ModelUploadPartEntity p : chosen) {
            streams.add(Files.newInputStream(dir.resolve(p.id)));
        }
        try (InputStream joined = new SequenceInputStream(Collections.enumeration(streams))) {
            DirectoryArchive.extract(joined, staging);
        } catch (DirectoryArchive.ArchiveException e) {
            throw fail(id, new InvalidRequestException("part_ids", "the joined parts are not a tar of a model"
                    + " directory (ustar, as tar --format=ustar or DirectoryArchive write it): " + e.getMessage()));
        } finally {
            for (InputStream s : streams) {
                s.close();
            }
        }
        Path modelDir = modelDirectory(staging);
        Map<String, Object> provenance = new LinkedHashMap<>();
        if (upload.revision != null) {
            provenance.put("revision", upload.revision);
        }
        provenance.put("upload_id", id);
        ArtifactService.Registered registered;
        try {
            registered = baseModels.registerDirectory(upload.name, upload.tenantId, modelDir, provenance);
        } catch (InvalidRequestException e) {
            throw fail(id, new InvalidRequestException("part_ids", "the uploaded model is refused: "
                    + e.getMessage().replace(modelDir.toString(), "the archive")));
        } catch (ConflictException e) {
            throw fail(id, new ConflictException(e.getMessage().replace(modelDir.toString(), "the uploaded archive")));
        } finally {
            Trees.delete(staging);
        }
        ModelUploadView done = QuarkusTransaction.requiringNew().call(() -> {
            ModelUploadEntity u = db.find(ModelUploadEntity.class, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            u.status = "completed";
            u.artifactId = registered.artifact().id();
            u.completedAt = OffsetDateTime.now(ZoneOffset.UTC);
            return view(u, parts(id));
        });
        Trees.delete(dir);
        LOG.infof("model upload %s completed: base model %s (%s)", id, upload.name, registered.artifact().id());
        return done;
    }

    public ModelUploadView cancel(String id) {
        ModelUploadView cancelled = QuarkusTransaction.requiringNew().call(() -> {
            ModelUploadEntity upload = db.find(ModelUploadEntity.class, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (upload == null) {
                throw notFound(id);
            }
            requirePending(upload);
            upload.status = "cancelled";
            return view(upload, parts(id));
        });
        Trees.delete(root.resolve(id));
        return cancelled;
    }

    /** Pending uploads past their expiry become expired and lose their parts. */
    @Scheduled(every = "${artifacts.model-upload-sweep:10m}", delayed = "1m")
    void expire() {
        List<String> expired = QuarkusTransaction.requiringNew().call(() -> {
            List<ModelUploadEntity> due = db.createQuery("from ModelUploadEntity where status = 'pending' and expiresAt < ?1",
                    ModelUploadEntity.class).setParameter(1, OffsetDateTime.now(ZoneOffset.UTC)).getResultList();
            due.forEach(u -> u.status = "expired");
            return due.stream().map(u -> u.id).toList();
        });
        for (String id : expired) {
            Trees.delete(root.resolve(id));
            LOG.infof("model upload %s expired; its parts are deleted", id);
        }
    }

    /** The parts {@code request} lists, in its order: each this upload's, once, adding up to the declared size. */
    private List<ModelUploadPartEntity> chosenParts(ModelUploadEntity upload, CompleteModelUpload request) {
        if (request == null || request.partIds() == null || request.partIds().isEmpty()) {
            throw new InvalidRequestException("part_ids", "list the ids of the parts, in the order their bytes make the"
                    + " archive");
        }
        Map<String, ModelUploadPartEntity> received = new LinkedHashMap<>();
        QuarkusTransaction.requiringNew().call(() -> parts(upload.id)).forEach(p -> received.put(p.id, p));
        List<ModelUploadPartEntity> chosen = new ArrayList<>();
        java.util.Set<String> seen = new HashSet<>();
        long total = 0;
        for (int i = 0; i < request.partIds().size(); i++) {
            String partId = request.partIds().get(i);
            ModelUploadPartEntity part = received.get(partId);
            if (part == null) {
                throw new InvalidRequestException("part_ids[" + i + "]", "'" + partId + "' is not a part of upload "
                        + upload.id + " (GET the upload for the parts it received)");
            }
            if (!seen.add(partId)) {
                throw new InvalidRequestException("part_ids[" + i + "]", "'" + partId + "' is listed twice");
            }
            chosen.add(part);
            total += part.size;
        }
        if (total != upload.bytes) {
            throw new InvalidRequestException("part_ids", "the listed parts hold " + total + " bytes, but the upload"
                    + " declared " + upload.bytes + "; send the missing parts (GET the upload for those received)");
        }
        return chosen;
    }

    /** The model directory in the extracted archive: its root, or its one top-level folder. */
    private Path modelDirectory(Path staging) throws IOException {
        if (Files.isRegularFile(staging.resolve("config.json"))) {
            return staging;
        }
        List<Path> top;
        try (Stream<Path> s = Files.list(staging)) {
            top = s.toList();
        }
        if (top.size() == 1 && Files.isDirectory(top.get(0))) {
            return top.get(0);
        }
        return staging; // the inspector says what is missing
    }

    private ModelUploadEntity pending(String id) {
        return QuarkusTransaction.requiringNew().call(() -> {
            ModelUploadEntity upload = find(id);
            requirePending(upload);
            return upload;
        });
    }

    private static void requirePending(ModelUploadEntity upload) {
        if (upload.status.equals("pending") && upload.expiresAt.isBefore(OffsetDateTime.now(ZoneOffset.UTC))) {
            throw new ConflictException("upload " + upload.id + " expired at " + TIME.format(upload.expiresAt)
                    + "; start a new upload");
        }
        if (!upload.status.equals("pending")) {
            throw new ConflictException("upload " + upload.id + " is " + upload.status
                    + (upload.error != null ? " (" + upload.error + ")" : "") + "; only a pending upload takes parts,"
                    + " completes or cancels");
        }
    }

    private ModelUploadEntity find(String id) {
        ModelUploadEntity upload = id == null || !ID.matcher(id).matches() ? null : db.find(ModelUploadEntity.class, id);
        if (upload == null) {
            throw notFound(id);
        }
        return upload;
    }

    private static ResourceNotFoundException notFound(String id) {
        return new ResourceNotFoundException("no model upload '" + id + "'");
    }

    /** Marks the upload failed with the refusal's reason, drops its parts, and answers the refusal to throw. */
    private <E extends RuntimeException> E fail(String id, E refusal) {
        QuarkusTransaction.requiringNew().run(() -> {
            ModelUploadEntity u = db.find(ModelUploadEntity.class, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            u.status = "failed";
            u.error = refusal.getMessage().length() > 2000 ? refusal.getMessage().substring(0, 2000) : refusal.getMessage();
        });
        Trees.delete(root.resolve(id));
        LOG.infof("model upload %s failed: %s", id, refusal.getMessage());
        return refusal;
    }

    private List<ModelUploadPartEntity> parts(String id) {
        return db.createQuery("from ModelUploadPartEntity where uploadId = ?1 order by createdAt, id",
                ModelUploadPartEntity.class).setParameter(1, id).getResultList();
    }

    private static ModelUploadView view(ModelUploadEntity u, List<ModelUploadPartEntity> parts) {
        return new ModelUploadView(u.id, u.name, u.revision, u.filename, u.bytes,
                parts.stream().mapToLong(p -> p.size).sum(), u.status, u.error, u.artifactId, time(u.createdAt),
                time(u.expiresAt), time(u.completedAt), parts.stream().map(ModelUploadService::partView).toList(), u.tenantId);
    }

    private static ModelUploadView.Part partView(ModelUploadPartEntity p) {
        return new ModelUploadView.Part(p.id, p.size, p.sha256, time(p.createdAt));
    }

    private static String time(OffsetDateTime t) {
        return t == null ? null : TIME.format(t.withOffsetSameInstant(ZoneOffset.UTC));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deleting a folder of parts or an extracted model: quietly, as a leftover is swept with the upload. */
    private static final class Trees {
        static void delete(Path dir) {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        LOG.warnf("could not delete %s: %s", p, e.getMessage());
                    }
                });
            } catch (IOException e) {
                LOG.warnf("could not delete %s: %s", dir, e.getMessage());
            }
        }
    }
}
