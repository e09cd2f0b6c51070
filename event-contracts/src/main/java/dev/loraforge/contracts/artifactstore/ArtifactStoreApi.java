package dev.loraforge.contracts.artifactstore;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * artifact-store's JSON API as a declarative REST client (config key {@code artifact-store}: each
 * service sets {@code quarkus.rest-client.artifact-store.url}). Blobs, which are streamed, go
 * through {@link BlobTransfer}. Every non-2xx answer is an {@link ArtifactStoreException}
 * ({@link ArtifactStoreErrors}); callers wrap calls in an {@link ArtifactStoreGuard}.
 *
 * <p>The golden samples of every request and answer are {@link dev.loraforge.contracts.ContractSamples}; artifact-store's
 * provider test checks its answers against them and the callers' stand-ins answer with them.
 */
@RegisterRestClient(configKey = "artifact-store")
@RegisterProvider(ArtifactStoreErrors.class)
@RegisterProvider(dev.loraforge.contracts.auth.ServiceTokenFilter.class)
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public interface ArtifactStoreApi {

    /** The tenant a call acts for; reads of tenant-owned artifacts are scoped to it. */
    String TENANT_HEADER = "X-Tenant-Id";

    /**
     * Registers an artifact whose blob is stored. 201 when created, 200 when the same client-chosen
     * id was registered with the same content (a safe retry); 409 when the id is taken by other content.
     */
    @POST
    @Path("/artifacts")
    @Consumes(MediaType.APPLICATION_JSON)
    ArtifactView create(NewArtifact artifact, @HeaderParam(TENANT_HEADER) String tenant);

    /** One artifact; 404 when there is none (or it belongs to another tenant). */
    @GET
    @Path("/artifacts/{id}")
    ArtifactView artifact(@PathParam("id") String id, @HeaderParam(TENANT_HEADER) String tenant);

    /** Artifacts matching every filter given (null filters are left out), newest first. */
    @GET
    @Path("/artifacts")
    List<ArtifactView> artifacts(@QueryParam("kind") String kind, @HeaderParam(TENANT_HEADER) String tenant,
                                 @QueryParam("job_id") String jobId, @QueryParam("digest") String digest,
                                 @QueryParam("parent") String parent, @QueryParam("parent_digest") String parentDigest,
                                 @QueryParam("scheme") String scheme, @QueryParam("name") String name,
                                 @QueryParam("limit") Integer limit);

    /** The lineage graph around an artifact; {@code direction} is {@code ancestors} or {@code descendants}. */
    @GET
    @Path("/artifacts/{id}/lineage")
    Lineage lineage(@PathParam("id") String id, @QueryParam("direction") String direction,
                    @HeaderParam(TENANT_HEADER) String tenant);

    /** Registers a base model from a model directory on artifact-store's machine. */
    @POST
    @Path("/base-models")
    @Consumes(MediaType.APPLICATION_JSON)
    ArtifactView registerBaseModel(BaseModelRequest request);

    /** Starts a model upload (parts follow with {@link BlobTransfer#putUploadPart}); 201. */
    @POST
    @Path("/model-uploads")
    @Consumes(MediaType.APPLICATION_JSON)
    ModelUploadView createModelUpload(ModelUploadRequest request);

    /** A model upload with the parts received so far; 404 when there is none. */
    @GET
    @Path("/model-uploads/{id}")
    ModelUploadView modelUpload(@PathParam("id") String id);

    /**
     * Joins the listed parts into the model archive, checks it and registers the base model: the upload, completed,
     * names it ({@code artifact_id}); 400 when the parts do not add up (still pending) or the model is refused (failed).
     */
    @POST
    @Path("/model-uploads/{id}/complete")
    @Consumes(MediaType.APPLICATION_JSON)
    ModelUploadView completeModelUpload(@PathParam("id") String id, CompleteModelUpload request);

    /** Cancels a pending upload and drops its parts. */
    @POST
    @Path("/model-uploads/{id}/cancel")
    ModelUploadView cancelModelUpload(@PathParam("id") String id);

    /**
     * The base models {@code tenant} may use (the public ones and its private ones; null: the public ones), newest
     * first; {@code includePrivate} (operators' listings) lists every tenant's private ones too.
     */
    @GET
    @Path("/base-models")
    List<ArtifactView> baseModels(@HeaderParam(TENANT_HEADER) String tenant,
                                  @QueryParam("include_private") Boolean includePrivate);

    /** A base model by its registry name, when {@code tenant} may use it (null: public ones only); 404 otherwise. */
    @GET
    @Path("/base-models/{name}")
    ArtifactView baseModel(@PathParam("name") String name, @HeaderParam(TENANT_HEADER) String tenant);
}
