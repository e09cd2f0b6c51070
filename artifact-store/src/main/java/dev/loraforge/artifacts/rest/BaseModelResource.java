package dev.loraforge.artifacts.rest;

import dev.loraforge.contracts.artifactstore.ArtifactView;
import dev.loraforge.contracts.artifactstore.BaseModelRequest;
import dev.loraforge.artifacts.service.ArtifactService;
import dev.loraforge.artifacts.service.BaseModelService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.List;

/**
 * Base models, registered from a Hugging Face directory on the artifact-store's machine.
 * <ul>
 * <li>{@code POST /api/v1/base-models} {name, path, tenant_id?}: checks the directory ({@link
 *     dev.loraforge.artifacts.service.ModelDirectoryInspector}: a supported architecture, every safetensors header
 *     consistent with config.json's shapes and dtype, a tokenizer and a chat template), archives the directory into one blob (deterministic tar) and answers 201 with the
 *     {@code base_model} artifact (metadata: model_type, hidden_size, num_hidden_layers,
 *     num_attention_heads, num_key_value_heads, vocab_size, parameter_count, ...); 200 with the
 *     existing one when the same name and content are registered again; 409 when the name is
 *     taken by other content or another owner; 400 {@code invalid-request} (field {@code name}, {@code path} or
 *     {@code tenant_id}) for a bad name, directory or tenant. With {@code tenant_id} the model is private to that
 *     tenant (and the quantized variants made from it are too); without, it is public.</li>
 * <li>{@code GET /api/v1/base-models}: the base models the caller may use ({@link TenantScope}: with
 *     {@code X-Tenant-Id} or {@code ?tenant_id=} the public ones and that tenant's private ones; a service without a
 *     tenant the public ones; {@code ?include_private=true}, for operators' listings, and the operator's token all),
 *     newest first.</li>
 * <li>{@code GET /api/v1/base-models/{name}}: one the caller may use (scoped the same way), or 404. Names are {@code NAME} or {@code ORG/NAME}; a path in
 *     the Hugging Face hub cache ({@code models--ORG--NAME/} or its {@code snapshots/REV/}) is named {@code ORG/NAME}
 *     when no name is given, and records {@code repo_id} and {@code revision}.</li>
 * </ul>
 */
@Path("/api/v1/base-models")
@Produces(MediaType.APPLICATION_JSON)
public class BaseModelResource {

    private final BaseModelService service;

    public BaseModelResource(BaseModelService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response register(BaseModelRequest body) throws IOException {
        ArtifactService.Registered r = service.register(body);
        return Response.status(r.created() ? Response.Status.CREATED : Response.Status.OK)
                .location(URI.create("/api/v1/base-models/" + r.artifact().name()))
                .entity(r.artifact()).build();
    }

    @GET
    public List<ArtifactView> list(@HeaderParam(TenantScope.HEADER) String header, @QueryParam("tenant_id") String tenant,
                                   @QueryParam("include_private") boolean includePrivate, @Context SecurityContext caller) {
        String scope = TenantScope.resolve(header, tenant);
        return service.list(scope == null && includePrivate ? null : TenantScope.resolve(header, tenant, caller));
    }

    @GET
    @Path("/{name: .+}") // ORG/NAME: the name may hold one '/', sent as is or as %2F
    public ArtifactView get(@PathParam("name") String name, @HeaderParam(TenantScope.HEADER) String header,
                            @QueryParam("tenant_id") String tenant, @Context SecurityContext caller) {
        return service.get(name, TenantScope.resolve(header, tenant, caller));
    }
}
