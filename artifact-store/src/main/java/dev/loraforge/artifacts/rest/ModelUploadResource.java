package dev.loraforge.artifacts.rest;

import dev.loraforge.artifacts.service.ModelUploadService;
import dev.loraforge.contracts.artifactstore.CompleteModelUpload;
import dev.loraforge.contracts.artifactstore.ModelUploadRequest;
import dev.loraforge.contracts.artifactstore.ModelUploadView;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/**
 * Base models uploaded in parts ({@link ModelUploadService}; operators reach it through job-api's
 * {@code /admin/v1/model_uploads}):
 * <ul>
 * <li>{@code POST /api/v1/model-uploads} {name, bytes, filename?, revision?}: 201, a pending upload.</li>
 * <li>{@code POST /api/v1/model-uploads/{id}/parts}: the body (any content type) is one part, streamed to disk;
 *     201 {id, size, sha256, created_at}. 413 beyond {@code artifacts.model-upload-max-part}.</li>
 * <li>{@code GET /api/v1/model-uploads/{id}}: the upload and the parts received so far (what to send again after
 *     an interruption).</li>
 * <li>{@code POST /api/v1/model-uploads/{id}/complete} {part_ids}: the parts joined in that order are a ustar tar
 *     of a Hugging Face model directory; checked like a directory import and registered: 200, completed, with
 *     {@code artifact_id}. 400 (field {@code part_ids}) when the parts do not add up (still pending) or the archive
 *     or model is refused (failed, with {@code error}); 409 when the name is taken by other content.</li>
 * <li>{@code POST /api/v1/model-uploads/{id}/cancel}: 200, cancelled, parts deleted.</li>
 * </ul>
 * Only a pending upload takes parts, completes or cancels (409 otherwise); pending uploads expire after
 * {@code artifacts.model-upload-ttl}.
 */
@Path("/api/v1/model-uploads")
@Produces(MediaType.APPLICATION_JSON)
public class ModelUploadResource {

    private final ModelUploadService uploads;

    public ModelUploadResource(ModelUploadService uploads) {
        this.uploads = uploads;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(ModelUploadRequest request) {
        ModelUploadView upload = uploads.create(request);
        return Response.created(URI.create("/api/v1/model-uploads/" + upload.id())).entity(upload).build();
    }

    @GET
    @Path("/{id}")
    public ModelUploadView get(@PathParam("id") String id) {
        return uploads.get(id);
    }

    @POST
    @Path("/{id}/parts")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Response part(@PathParam("id") String id, InputStream body) throws IOException {
        return Response.status(Response.Status.CREATED).entity(uploads.addPart(id, body)).build();
    }

    @POST
    @Path("/{id}/complete")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    public ModelUploadView complete(@PathParam("id") String id, CompleteModelUpload request) throws IOException {
        return uploads.complete(id, request);
    }

    @POST
    @Path("/{id}/cancel")
    public ModelUploadView cancel(@PathParam("id") String id) {
        return uploads.cancel(id);
    }
}
