package dev.loraforge.jobapi.rest;

import dev.loraforge.engine.settings.Shown;
import dev.loraforge.jobapi.auth.CallerTenant;
import dev.loraforge.jobapi.client.ArtifactStoreClient;
import dev.loraforge.jobapi.mapping.ApiObjects.FileObject;
import dev.loraforge.jobapi.mapping.ApiObjects.ListObject;
import dev.loraforge.jobapi.mapping.JobMapper;
import dev.loraforge.jobapi.repository.FileEntity;
import dev.loraforge.jobapi.repository.FileRepository;
import dev.loraforge.jobapi.service.FileService;
import dev.loraforge.jobapi.webhooks.WebhookObjects.DeletedObject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** {@code /v1/files}: training files, as OpenAI's Files API. */
@Path("/v1/files")
@Produces(MediaType.APPLICATION_JSON)
public class FilesResource {

    /** OpenAI's largest (and default) page of files. */
    static final int MAX_PAGE = 10_000;

    /** Longest filename kept, as file systems allow. */
    static final int MAX_FILENAME = 255;

    private final FileService service;
    private final FileRepository files;
    private final JobMapper mapper;
    private final CallerTenant caller;

    private final ArtifactStoreClient store;

    public FilesResource(FileService service, FileRepository files, JobMapper mapper, CallerTenant caller,
                         ArtifactStoreClient store) {
        this.store = store;
        this.service = service;
        this.files = files;
        this.mapper = mapper;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public FileObject upload(@RestForm("file") FileUpload file, @RestForm("purpose") String purpose) {
        if (file == null) {
            throw ApiException.invalid("a 'file' part is required (multipart/form-data)", "file");
        }
        if (file.fileName() == null || file.fileName().isBlank()) {
            throw ApiException.invalid("the 'file' part needs a filename (Content-Disposition: form-data; name=\"file\";"
                    + " filename=\"train.jsonl\")", "file");
        }
        if (file.fileName().length() > MAX_FILENAME) {
            throw ApiException.invalid("the filename is " + file.fileName().length() + " characters long; at most "
                    + MAX_FILENAME + " are kept: shorten it", "file");
        }
        if (ControlCharacterFilter.firstControl(file.fileName()) >= 0) {
            throw ApiException.invalid("the filename contains a control character: remove it", "file");
        }
        if (purpose == null || purpose.isBlank()) {
            throw ApiException.invalid("'purpose' is required; use 'fine-tune'", "purpose");
        }
        return mapper.file(service.upload(caller.id(), file.fileName(), purpose, file.uploadedFile()));
    }

    @GET
    @Path("/{fileId}")
    public FileObject retrieve(@PathParam("fileId") String fileId) {
        return mapper.file(find(fileId));
    }

    /**
     * The caller's files, newest first ({@code order=asc}: oldest first), optionally of one {@code purpose}, a page
     * of {@code limit} (1 to 10,000, default 10,000, as OpenAI's) after the file {@code after}.
     */
    @GET
    public ListObject<FileObject> list(@QueryParam("purpose") String purpose, @QueryParam("after") String after,
                                       @QueryParam("limit") String limit, @QueryParam("order") String order) {
        int size = PageLimit.parse(limit, MAX_PAGE, MAX_PAGE);
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw ApiException.invalid("order must be 'asc' or 'desc', got '" + Shown.text(order) + "'", "order");
        }
        if (purpose != null && purpose.length() > 64) {
            throw ApiException.invalid("purpose is at most 64 characters; files here have purpose 'fine-tune' or 'fine-tune-results'", "purpose");
        }
        FileEntity cursor = null;
        if (after != null) {
            cursor = files.findForTenant(caller.id(), after).orElseThrow(() -> ApiException.invalid(
                    "after must be the id of one of your files, got '" + Shown.text(after) + "'", "after"));
        }
        List<FileEntity> page = files.page(caller.id(), purpose, cursor, "asc".equals(order), size);
        List<FileObject> data = page.stream().limit(size).map(mapper::file).toList();
        return ListObject.of(data, page.size() > size, FileObject::id);
    }

    /**
     * The file's bytes, as uploaded, whatever the client accepts (OpenAI's SDKs ask for {@code application/binary}),
     * as {@code application/octet-stream}.
     */
    @GET
    @Path("/{fileId}/content")
    @Produces(MediaType.WILDCARD)
    public Response content(@PathParam("fileId") String fileId) {
        FileEntity file = find(fileId);
        InputStream in = store.openBlob(file.digest, file.tenantId);
        StreamingOutput body = out -> {
            try (in) {
                in.transferTo(out);
            }
        };
        return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM)
                .header("Content-Length", file.bytes)
                .header("Content-Disposition", "attachment; filename=\"" + file.filename.replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "_")
                        + "\"; filename*=UTF-8''" + URLEncoder.encode(file.filename, StandardCharsets.UTF_8).replace("+", "%20"))
                .build();
    }

    /**
     * Deletes the file for its tenant: it is no longer listed, retrieved, read or accepted by new jobs. Jobs that
     * already use it keep it (their dataset and its lineage stay in artifact-store).
     */
    @DELETE
    @Path("/{fileId}")
    @Transactional
    public DeletedObject delete(@PathParam("fileId") String fileId) {
        FileEntity file = find(fileId);
        file.deletedAt = OffsetDateTime.now(ZoneOffset.UTC);
        return new DeletedObject(file.id, "file", true);
    }

    private FileEntity find(String fileId) {
        return files.findForTenant(caller.id(), fileId).orElseThrow(() -> ApiException.notFound("file", fileId, "file_id"));
    }
}
