package dev.loraforge.artifacts.rest;

import dev.loraforge.artifacts.repository.ArtifactQuery;
import dev.loraforge.artifacts.service.ArtifactService;
import dev.loraforge.artifacts.storage.Digest;
import dev.loraforge.artifacts.storage.InvalidDigestException;
import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.contracts.artifactstore.ArtifactKind;
import dev.loraforge.contracts.artifactstore.ArtifactView;
import dev.loraforge.contracts.artifactstore.Lineage;
import dev.loraforge.contracts.artifactstore.NewArtifact;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.List;

/**
 * The artifact registry (JSON, snake_case). A caller acting for a tenant sends {@code X-Tenant-Id}
 * (or {@code ?tenant_id=} on reads): it then sees that tenant's artifacts and the shared ones (base
 * and quantized models), never another tenant's (404). A service that names no tenant sees the shared ones only;
 * the operator's tools alone read across tenants ({@link TenantScope}).
 * <ul>
 * <li>{@code POST /api/v1/artifacts} {kind, name, digest, tenant_id, job_id, metadata,
 *     parents: [{id, relation}], id?}: 201 the artifact; 200 when the same id (or base-model name)
 *     was already registered with the same content; 400 {@code invalid-request} with
 *     {@code errors: [{field, message}]} naming each offending field; 409 when the id or base-model
 *     name is taken by other content. See {@link dev.loraforge.artifacts.service.ArtifactRules}.</li>
 * <li>{@code GET /api/v1/artifacts/{id}}: the artifact with its direct parents.</li>
 * <li>{@code GET /api/v1/artifacts?kind=&tenant_id=&job_id=&digest=&parent=&parent_digest=&scheme=&name=&limit=}:
 *     newest first, all filters optional and combined with AND; {@code limit} 1-1000 (100).</li>
 * <li>{@code GET /api/v1/artifacts/{id}/lineage?direction=ancestors|descendants}: {@code root},
 *     {@code direction}, {@code nodes} (the root first, each with metadata and parents) and
 *     {@code edges} [{child, parent, relation}] of everything reachable.</li>
 * </ul>
 */
@Path("/api/v1/artifacts")
@Produces(MediaType.APPLICATION_JSON)
public class ArtifactResource {

    private final ArtifactService service;

    public ArtifactResource(ArtifactService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(NewArtifact body, @HeaderParam(TenantScope.HEADER) String tenant) {
        ArtifactService.Registered r = service.create(body, TenantScope.blankToNull(tenant));
        return Response.status(r.created() ? Response.Status.CREATED : Response.Status.OK)
                .location(URI.create("/api/v1/artifacts/" + r.artifact().id()))
                .entity(r.artifact()).build();
    }

    @GET
    @Path("/{id}")
    public ArtifactView get(@PathParam("id") String id, @HeaderParam(TenantScope.HEADER) String header,
                            @QueryParam("tenant_id") String tenant, @Context SecurityContext caller) {
        return service.get(id, TenantScope.resolve(header, tenant, caller));
    }

    @GET
    public List<ArtifactView> list(@QueryParam("kind") String kind, @QueryParam("tenant_id") String tenant,
                                   @HeaderParam(TenantScope.HEADER) String header, @QueryParam("job_id") String jobId,
                                   @QueryParam("digest") String digest, @QueryParam("parent") String parent,
                                   @QueryParam("parent_digest") String parentDigest, @QueryParam("scheme") String scheme,
                                   @QueryParam("name") String name, @QueryParam("limit") String limit,
                                   @Context SecurityContext caller) {
        kind = TenantScope.blankToNull(kind);
        if (kind != null && ArtifactKind.fromWire(kind).isEmpty()) {
            throw new InvalidRequestException("kind", "'" + kind + "' is not a kind; use one of " + ArtifactKind.valid());
        }
        return service.list(new ArtifactQuery(kind, TenantScope.resolve(header, tenant, caller),
                TenantScope.blankToNull(jobId), digestFilter("digest", digest), TenantScope.blankToNull(parent),
                digestFilter("parent_digest", parentDigest), TenantScope.blankToNull(scheme),
                TenantScope.blankToNull(name), limit(limit)));
    }

    @GET
    @Path("/{id}/lineage")
    public Lineage lineage(@PathParam("id") String id, @QueryParam("direction") String direction,
                           @HeaderParam(TenantScope.HEADER) String header, @QueryParam("tenant_id") String tenant,
                           @Context SecurityContext caller) {
        String d = direction == null || direction.isBlank() ? ArtifactService.ANCESTORS : direction;
        if (!d.equals(ArtifactService.ANCESTORS) && !d.equals(ArtifactService.DESCENDANTS)) {
            throw new InvalidRequestException("direction", "'" + direction + "' is not a direction; use ancestors"
                    + " (the default) or descendants");
        }
        return service.lineage(id, d, TenantScope.resolve(header, tenant, caller));
    }

    private static String digestFilter(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Digest.parse(value).toString();
        } catch (InvalidDigestException e) {
            throw new InvalidRequestException(field, e.getMessage());
        }
    }

    static int limit(String limit) {
        if (limit == null || limit.isBlank()) {
            return 100;
        }
        try {
            int n = Integer.parseInt(limit.trim());
            if (n >= 1 && n <= 1000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new InvalidRequestException("limit", "'" + limit + "' must be an integer from 1 to 1000");
    }
}
