package dev.loraforge.artifacts.service;

import dev.loraforge.artifacts.config.ArtifactStoreConfig;
import dev.loraforge.artifacts.repository.ArtifactQuery;
import dev.loraforge.artifacts.storage.BlobStorage;
import dev.loraforge.artifacts.storage.StoredBlob;
import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.contracts.artifactstore.ArtifactKind;
import dev.loraforge.contracts.artifactstore.ArtifactView;
import dev.loraforge.contracts.artifactstore.BaseModelRequest;
import dev.loraforge.contracts.artifactstore.NewArtifact;
import dev.loraforge.events.DirectoryArchive;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Registers base models from a directory on this machine: checks it ({@link ModelDirectoryInspector}),
 * archives it into one blob ({@link DirectoryArchive}, streamed, so the digest is the same for the
 * same files), and records a {@code base_model} artifact whose metadata summarises config.json and
 * the weights. The same name, owner and content again returns the existing record; the same name with other
 * content or another owner is a conflict, found before any blob is written.
 *
 * <p>A base model is public (no {@code tenant_id}: every tenant may tune on it) or private to one tenant: only reads
 * scoped to that tenant see it, its blob and the quantized variants made from it. Names are unique across both, so a
 * name means one model wherever it is used.
 */
@ApplicationScoped
public class BaseModelService {

    private static final Logger LOG = Logger.getLogger(BaseModelService.class);
    /** {@code name} or {@code org/name}, as Hugging Face repositories are named. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?");
    /** A tenant id as the services send it: 1-200 characters, no control characters, no ':'. */
    private static final Pattern TENANT = Pattern.compile("[^\\p{Cntrl}:]{1,200}");

    private final ArtifactService artifacts;
    private final ModelDirectoryInspector inspector;
    private final BlobStorage blobs;
    private final ArtifactStoreConfig config;

    public BaseModelService(ArtifactService artifacts, ModelDirectoryInspector inspector,
                            BlobStorage blobs, ArtifactStoreConfig config) {
        this.artifacts = artifacts;
        this.inspector = inspector;
        this.blobs = blobs;
        this.config = config;
    }

    public ArtifactService.Registered register(BaseModelRequest request) throws IOException {
        if (request == null) {
            throw new InvalidRequestException("body", "a JSON object {\"name\", \"path\"} is required");
        }
        Path dir = directory(request.path());
        HubCache.Snapshot hub = HubCache.of(dir).orElse(null);
        String name = request.name() != null ? request.name() : hub != null ? hub.repoId() : null;
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidRequestException("name", "'" + name + "' must be NAME or ORG/NAME, each 1-96 letters,"
                    + " digits, '.', '_' or '-' starting with a letter or digit (no ':'), e.g. \"llama-small\" or"
                    + " \"Qwen/Qwen2.5-0.5B\"; a model from the hub cache is named after its repository unless a name is given");
        }
        Path modelDir = hub != null ? hub.dir() : dir;
        linksInsideRoots(modelDir);
        Map<String, Object> provenance = new java.util.LinkedHashMap<>();
        if (hub != null) {
            provenance.put("repo_id", hub.repoId());
            provenance.put("revision", hub.revision());
        }
        checkOwner(request.tenantId());
        return registerDirectory(name, request.tenantId(), modelDir, provenance);
    }

    /** @throws InvalidRequestException on {@code tenant_id} when it is not a tenant id */
    static void checkOwner(String tenantId) {
        if (tenantId != null && !TENANT.matcher(tenantId).matches()) {
            throw new InvalidRequestException("tenant_id", "must be a tenant id (1-200 characters without control"
                    + " characters or ':'), the tenant the model is private to; leave it out for a public model");
        }
    }

    /**
     * Registers the model directory {@code dir} (already resolved and allowed) as base model {@code name}, private to
     * {@code tenantId} (null: public), its metadata the inspector's summary plus {@code provenance} (repo_id,
     * revision): checked completely before any blob is written, so a refusal registers nothing.
     */
    public ArtifactService.Registered registerDirectory(String name, String tenantId, Path dir,
                                                        Map<String, Object> provenance) throws IOException {
        Map<String, Object> metadata = new java.util.LinkedHashMap<>(inspector.inspect(dir));
        metadata.putAll(provenance);
        var existing = artifacts.baseModelNamed(name);
        if (existing.isPresent()) {
            if (!java.util.Objects.equals(existing.get().tenantId(), tenantId)) {
                throw new ConflictException("a base model named '" + name + "' is already registered "
                        + (existing.get().tenantId() == null ? "as a public model" : "for another owner")
                        + "; choose another name");
            }
            String digest = archiveDigest(dir);
            if (!digest.equals(existing.get().digest())) {
                throw new ConflictException("a base model named '" + name + "' is already registered with"
                        + " digest " + existing.get().digest() + ", and " + dir + " archives to " + digest
                        + "; choose another name");
            }
            return new ArtifactService.Registered(existing.get(), false);
        }
        StoredBlob blob;
        try {
            blob = blobs.write(out -> DirectoryArchive.write(dir, out), null);
        } catch (DirectoryArchive.ArchiveException e) {
            throw new InvalidRequestException("path", e.getMessage());
        }
        LOG.infof("archived base model %s (%s) from %s: %s (%d bytes)", name,
                tenantId == null ? "public" : "private to " + tenantId, dir, blob.blob().digest(), blob.blob().size());
        return artifacts.create(new NewArtifact(null, ArtifactKind.BASE_MODEL.wireName(), name,
                blob.blob().digest().toString(), tenantId, null, metadata, List.of()), null);
    }

    /**
     * Base models newest first, as {@code scope} sees them ({@link dev.loraforge.artifacts.rest.TenantScope}): a
     * tenant its private ones and the public ones, a scope no tenant has the public ones, null (the operator) all.
     */
    public List<ArtifactView> list(String scope) {
        return artifacts.list(new ArtifactQuery(ArtifactKind.BASE_MODEL.wireName(), scope, null, null, null, null,
                null, null, 10_000));
    }

    /** @throws ResourceNotFoundException when no base model that {@code scope} sees (null: any) has this name */
    public ArtifactView get(String name, String scope) {
        return artifacts.baseModelNamed(name)
                .filter(m -> scope == null || m.tenantId() == null || m.tenantId().equals(scope))
                .orElseThrow(() -> new ResourceNotFoundException("no base model named '" + name + "'"
                        + (scope == null ? "" : " is visible to " + (scope.startsWith(":") ? "a caller without a tenant"
                        + " (send X-Tenant-Id to see a tenant's private models)" : "tenant " + scope))));
    }

    /**
     * With allow-listed roots, every file of the model must really lie under one of them: a hub cache snapshot's files
     * are links into its blobs folder, and a link may not carry a read outside the roots.
     */
    private void linksInsideRoots(Path dir) throws IOException {
        if (config.baseModelRoots().isEmpty()) {
            return;
        }
        List<Path> roots = new java.util.ArrayList<>();
        for (Path root : config.baseModelRoots().get()) {
            if (Files.isDirectory(root)) {
                roots.add(root.toRealPath());
            }
        }
        try (var files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isSymbolicLink).toList()) {
                Path target = f.toRealPath();
                if (roots.stream().noneMatch(target::startsWith)) {
                    throw new InvalidRequestException("path", dir.relativize(f) + " links to " + target + ", outside the"
                            + " directories base models may be read from (artifacts.base-model-roots = " + roots + ")");
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidRequestException("path", "a link in " + dir + " points to nothing: " + e.getFile());
        }
    }

    private String archiveDigest(Path dir) throws IOException {
        try {
            return DirectoryArchive.digest(dir);
        } catch (DirectoryArchive.ArchiveException e) {
            throw new InvalidRequestException("path", e.getMessage());
        }
    }

    private Path directory(String path) throws IOException {
        if (path == null || path.isBlank()) {
            throw new InvalidRequestException("path", "is required: the absolute path of a model directory on the"
                    + " artifact-store's machine");
        }
        Path dir;
        try {
            dir = Path.of(path);
        } catch (InvalidPathException e) {
            throw new InvalidRequestException("path", "'" + path + "' is not a valid path: " + e.getReason());
        }
        if (!dir.isAbsolute()) {
            throw new InvalidRequestException("path", "'" + path + "' is relative; give an absolute path (it is read"
                    + " on the artifact-store's machine)");
        }
        if (!Files.isDirectory(dir)) {
            throw new InvalidRequestException("path", path + " is not a directory on the artifact-store's machine");
        }
        Path real = dir.toRealPath();
        if (config.baseModelRoots().isPresent()) {
            boolean allowed = false;
            for (Path root : config.baseModelRoots().get()) {
                if (Files.isDirectory(root) && real.startsWith(root.toRealPath())) {
                    allowed = true;
                }
            }
            if (!allowed) {
                throw new InvalidRequestException("path", path + " is outside the directories base models may be read"
                        + " from (artifacts.base-model-roots = " + config.baseModelRoots().get() + ")");
            }
        }
        return real;
    }
}
