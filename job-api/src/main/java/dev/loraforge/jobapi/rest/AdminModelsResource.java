package dev.loraforge.jobapi.rest;

import dev.loraforge.contracts.artifactstore.ArtifactView;
import dev.loraforge.contracts.artifactstore.ModelUploadRequest;
import dev.loraforge.contracts.artifactstore.ModelUploadView;
import dev.loraforge.jobapi.client.ArtifactStoreClient;
import dev.loraforge.jobapi.service.AuditLog;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * The base-model catalog, for the operator (admin key), over artifact-store's registry:
 * <ul>
 * <li>{@code POST /admin/v1/models} {path, name?, tenant_id?}: import a Hugging Face model directory on artifact-store's machine
 *     (under its allow-listed roots), or a hub cache repository ({@code models--ORG--NAME}, named {@code ORG/NAME}
 *     with its revision) or snapshot; {@code GET /admin/v1/models}: every base model with what the import
 *     recorded.</li>
 * <li>Uploads in the shape of OpenAI's Uploads API, for a model directory sent as a ustar tar in parts:
 *     {@code POST /admin/v1/model_uploads} {name, bytes, filename?, revision?, tenant_id?}; {@code POST .../{id}/parts} (one
 *     part: multipart {@code data} as OpenAI's, or the raw bytes as application/octet-stream);
 *     {@code GET .../{id}} (the parts received: after an interruption, send the missing ones again);
 *     {@code POST .../{id}/complete} {part_ids} (joined in that order, checked and registered: {@code model} names
 *     it); {@code POST .../{id}/cancel}.</li>
 * </ul>
 * A model is checked before it is listed (artifact-store: a supported architecture, every safetensors header
 * consistent with config.json, a tokenizer and a chat template); a refused one registers nothing and the answer says
 * why. Imports, completed uploads and cancellations are in the audit log.
 * <p>A model imported or uploaded with {@code tenant_id} (a tenant of {@code /admin/v1/tenants}) is private to that
 * tenant: only its keys see it in {@code /v1/models} ({@code owned_by} the tenant), tune on it (its QLoRA variants
 * are made for it alone) and serve it; without, it is public, for every tenant ({@code owned_by} "system").
 */
@Path("/admin/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AdminModelsResource {

    private static final Pattern UPLOAD_ID = Pattern.compile("mupload-[0-9a-f]{32}");

    private final ArtifactStoreClient store;
    private final AuditLog audit;

    private final dev.loraforge.jobapi.repository.TenantRepository tenants;

    public AdminModelsResource(ArtifactStoreClient store, AuditLog audit,
                               dev.loraforge.jobapi.repository.TenantRepository tenants) {
        this.store = store;
        this.audit = audit;
        this.tenants = tenants;
    }

    public record ImportRequest(String name, String path, String tenantId) {
    }

    /** A base model of the catalog: its name (the id jobs and completions use), and what the import recorded. */
    public record ModelView(String id, String object, long created, String ownedBy, String artifactId, String digest,
                            long size, Map<String, Object> metadata) {
        static ModelView of(ArtifactView a) {
            return new ModelView(a.name(), "model", a.createdAt() == null ? 0 : a.createdAt().toEpochSecond(),
                    a.tenantId() == null ? "system" : a.tenantId(), a.id(), a.digest(), a.size(), a.metadata());
        }
    }

    public record UploadRequest(String name, Long bytes, String filename, String revision, String tenantId) {
    }

    public record CompleteRequest(List<String> partIds) {
    }

    /** OpenAI's Upload object, with the model it registers and the parts received. */
    public record UploadView(String id, String object, long bytes, long receivedBytes, long createdAt, Long expiresAt,
                             String filename, String purpose, String status, String model, String revision,
                             String tenantId, String error, List<PartView> parts) {
        static UploadView of(ModelUploadView u) {
            return new UploadView(u.id(), "upload", u.bytes(), u.receivedBytes(), epoch(u.createdAt()),
                    u.expiresAt() == null ? null : epoch(u.expiresAt()), u.filename(), "base_model", u.status(),
                    u.name(), u.revision(), u.tenantId(), u.error(),
                    u.parts() == null ? List.of() : u.parts().stream().map(p -> PartView.of(u.id(), p)).toList());
        }
    }

    /** OpenAI's Upload Part object, with its size and sha256. */
    public record PartView(String id, String object, long createdAt, String uploadId, long size, String sha256) {
        static PartView of(String uploadId, ModelUploadView.Part p) {
            return new PartView(p.id(), "upload.part", epoch(p.createdAt()), uploadId, p.size(), p.sha256());
        }
    }

    @POST
    @Path("/models")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    public ModelView importModel(ImportRequest request) {
        if (request == null || request.path() == null || request.path().isBlank()) {
            throw ApiException.invalid("'path' is required: the model directory on artifact-store's machine (or a hub"
                    + " cache repository, models--ORG--NAME)", "path");
        }
        noControls(request.name(), "name");
        noControls(request.path(), "path");
        String owner = owner(request.tenantId());
        ModelView model = ModelView.of(store.importBaseModel(request.name(), request.path(), owner));
        audited("base_model.imported", owner, model.id(), Map.of("path", request.path(), "digest", model.digest()));
        return model;
    }

    @GET
    @Path("/models")
    public List<ModelView> models() {
        return store.baseModelArtifacts().stream().map(ModelView::of).toList();
    }

    @POST
    @Path("/model_uploads")
    @Consumes(MediaType.APPLICATION_JSON)
    public UploadView createUpload(UploadRequest request) {
        if (request == null) {
            throw ApiException.invalid("a JSON object {\"name\", \"bytes\"} is required", "name");
        }
        noControls(request.name(), "name");
        noControls(request.filename(), "filename");
        noControls(request.revision(), "revision");
        String owner = owner(request.tenantId());
        UploadView upload = UploadView.of(store.createModelUpload(new ModelUploadRequest(request.name(), request.bytes(),
                request.filename(), request.revision(), owner)));
        audited("model_upload.created", owner, upload.id(), Map.of("name", upload.model(), "bytes", upload.bytes()));
        return upload;
    }

    @GET
    @Path("/model_uploads/{uploadId}")
    public UploadView upload(@PathParam("uploadId") String uploadId) {
        return UploadView.of(store.modelUpload(checked(uploadId)));
    }

    /** A part as OpenAI sends it: multipart/form-data with the bytes in {@code data} (a file Quarkus spooled). */
    @POST
    @Path("/model_uploads/{uploadId}/parts")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking
    public PartView addPart(@PathParam("uploadId") String uploadId, @RestForm("data") FileUpload data) {
        String id = checked(uploadId);
        if (data == null) {
            throw ApiException.invalid("a 'data' part holding the bytes is required (multipart/form-data)", "data");
        }
        try {
            return sendPart(id, data.uploadedFile(), Files.size(data.uploadedFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A part as raw bytes. Spooled to a temporary file first, as a multipart part is, and sent on with its exact
     * length from there, so that a transfer that gets no answer can be sent again.
     */
    @POST
    @Path("/model_uploads/{uploadId}/parts")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Blocking
    public PartView addRawPart(@PathParam("uploadId") String uploadId, InputStream body) {
        String id = checked(uploadId);
        java.nio.file.Path spool = null;
        try {
            spool = Files.createTempFile("model-upload-part-", ".bin");
            long size;
            try (var out = Files.newOutputStream(spool)) {
                size = body.transferTo(out);
            }
            return sendPart(id, spool, size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spool an upload part", e);
        } finally {
            if (spool != null) {
                try {
                    Files.deleteIfExists(spool);
                } catch (IOException e) {
                    // the temporary directory's own cleanup takes it
                }
            }
        }
    }

    @POST
    @Path("/model_uploads/{uploadId}/complete")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    public UploadView complete(@PathParam("uploadId") String uploadId, CompleteRequest request) {
        String id = checked(uploadId);
        if (request == null || request.partIds() == null || request.partIds().isEmpty()) {
            throw ApiException.invalid("'part_ids' lists the parts in the order their bytes make the archive", "part_ids");
        }
        for (String part : request.partIds()) {
            noControls(part, "part_ids");
        }
        UploadView done = UploadView.of(store.completeModelUpload(id, request.partIds()));
        audited("model_upload.completed", done.tenantId(), id, Map.of("name", done.model(), "bytes", done.bytes()));
        return done;
    }

    @POST
    @Path("/model_uploads/{uploadId}/cancel")
    public UploadView cancel(@PathParam("uploadId") String uploadId) {
        String id = checked(uploadId);
        UploadView cancelled = UploadView.of(store.cancelModelUpload(id));
        audited("model_upload.cancelled", cancelled.tenantId(), id, Map.of("name", cancelled.model()));
        return cancelled;
    }

    /** The part in {@code file}, {@code size} bytes, sent on to artifact-store. */
    private PartView sendPart(String id, java.nio.file.Path file, long size) {
        if (size == 0) {
            throw emptyPart();
        }
        return PartView.of(id, store.putModelUploadPart(id, () -> {
            try {
                return Files.newInputStream(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, size));
    }

    /** Text with a control character (a NUL) is refused here: it is never a name, a path or an id. */
    private static void noControls(String value, String param) {
        if (value != null && ControlCharacterFilter.firstControl(value) >= 0) {
            throw ApiException.invalid(param + " contains a control character: remove it", param);
        }
    }

    private static ApiException emptyPart() {
        return ApiException.invalid("a part holds at least one byte of the archive; this one is empty", "data");
    }

    private static String checked(String uploadId) {
        if (uploadId == null || !UPLOAD_ID.matcher(uploadId).matches()) {
            throw ApiException.notFound("model upload", uploadId, "upload_id");
        }
        return uploadId;
    }

    private void audited(String action, String tenantId, String target, Map<String, ?> detail) {
        QuarkusTransaction.requiringNew().run(() -> audit.record(action, tenantId, target, new LinkedHashMap<>(detail)));
    }

    /** The tenant a model is made private to: null (public), or a tenant that exists. */
    private String owner(String tenantId) {
        if (tenantId == null) {
            return null;
        }
        noControls(tenantId, "tenant_id");
        boolean exists = QuarkusTransaction.requiringNew().call(() -> tenants.findById(tenantId) != null);
        if (!exists) {
            throw ApiException.invalid("tenant_id '" + dev.loraforge.engine.settings.Shown.text(tenantId) + "' is not a"
                    + " tenant: the model would be private to it; use the id of a tenant (GET /admin/v1/tenants), or"
                    + " leave tenant_id out for a public model", "tenant_id");
        }
        return tenantId;
    }

    private static long epoch(String isoTime) {
        return isoTime == null ? 0 : Instant.parse(isoTime).getEpochSecond();
    }
}
