package dev.loraforge.artifacts.rest;

import dev.loraforge.artifacts.config.ArtifactStoreConfig;
import dev.loraforge.contracts.ByteRange;
import dev.loraforge.contracts.Problem;
import dev.loraforge.contracts.artifactstore.BlobView;
import dev.loraforge.artifacts.service.ResourceNotFoundException;
import dev.loraforge.artifacts.storage.BlobInfo;
import dev.loraforge.artifacts.storage.BlobStorage;
import dev.loraforge.artifacts.storage.Digest;
import dev.loraforge.artifacts.storage.InvalidDigestException;
import dev.loraforge.artifacts.storage.StoredBlob;
import io.smallrye.common.annotation.Blocking;
import dev.loraforge.artifacts.repository.ArtifactRepository;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/**
 * Content-addressed blobs. Bodies stream in and out; nothing holds a whole blob in memory.
 * <ul>
 * <li>{@code PUT /api/v1/blobs}: the body (any content type, e.g. application/octet-stream) is
 *     stored under its sha256; with {@code X-Content-Digest: sha256:<hex>} a body that does not
 *     hash to it is refused (400 {@code digest-mismatch}) and nothing is kept. 201
 *     {@code {"digest","size"}} when new, 200 when the content was already stored (kept once).</li>
 * <li>{@code GET /api/v1/blobs/{digest}}: the bytes, with {@code Content-Length} and
 *     {@code ETag: "sha256:<hex>"} ({@code If-None-Match} answers 304). The bytes are re-hashed as
 *     they go: a corrupted blob answers 500 {@code blob-corrupted} (small blobs, checked before
 *     sending) or has its connection cut before the last bytes (large ones), never wrong bytes.
 *     {@code Range: bytes=...} (one range, {@link ByteRange}) answers 206 with {@code Content-Range} (a part is not
 *     re-hashed: the client checks the joined whole), 416 {@code range-not-satisfiable} past the end.</li>
 * <li>{@code HEAD /api/v1/blobs/{digest}}: the same headers, no body; 404 when absent.</li>
 * </ul>
 * Reads are scoped like artifact reads ({@link TenantScope}): a read as a tenant ({@code X-Tenant-Id} or
 * {@code tenant_id}) gets a blob only when one of that tenant's artifacts or a shared one (base and quantized
 * models) stores it, or one of the tenant's artifacts names it as its {@code result_file}; a service reading without
 * a tenant gets the shared ones only; the operator's unscoped token reads any. Any other blob answers 404, as if it
 * were absent, so a digest never tells whether another tenant holds it. Writes are not scoped: a blob is reachable
 * only once an artifact names it.
 * A digest that is not {@code sha256:<64 lowercase hex>} answers 400 {@code invalid-digest}.
 */
@Path("/api/v1/blobs")
public class BlobResource {

    static final String DIGEST_HEADER = "X-Content-Digest";

    private final BlobStorage storage;
    private final ArtifactStoreConfig config;
    private final ArtifactRepository artifacts;

    public BlobResource(BlobStorage storage, ArtifactStoreConfig config, ArtifactRepository artifacts) {
        this.storage = storage;
        this.config = config;
        this.artifacts = artifacts;
    }

    @PUT
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response put(InputStream body, @HeaderParam(DIGEST_HEADER) String stated) throws IOException {
        Digest expected = null;
        if (stated != null) {
            try {
                expected = Digest.parse(stated.trim());
            } catch (InvalidDigestException e) {
                throw new InvalidDigestException(DIGEST_HEADER + " header: " + e.getMessage());
            }
        }
        StoredBlob stored = storage.put(body, expected);
        BlobInfo blob = stored.blob();
        return Response.status(stored.created() ? Response.Status.CREATED : Response.Status.OK)
                .location(URI.create("/api/v1/blobs/" + blob.digest()))
                .header(HttpHeaders.ETAG, etag(blob.digest()))
                .entity(new BlobView(blob.digest().toString(), blob.size()))
                .build();
    }

    @GET
    @Path("/{digest}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Blocking
    public Response get(@PathParam("digest") String digest, @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
                        @HeaderParam(ByteRange.RANGE) String rangeHeader,
                        @HeaderParam(TenantScope.HEADER) String tenantHeader, @QueryParam("tenant_id") String tenantQuery,
                        @Context SecurityContext caller) throws IOException {
        Digest d = Digest.parse(digest);
        BlobInfo blob = readable(d, TenantScope.resolve(tenantHeader, tenantQuery, caller));
        if (ifNoneMatch != null && (ifNoneMatch.contains(etag(d)) || ifNoneMatch.trim().equals("*"))) {
            return Response.notModified().header(HttpHeaders.ETAG, etag(d)).build();
        }
        ByteRange range;
        try {
            range = ByteRange.parse(rangeHeader, blob.size()).orElse(null);
        } catch (ByteRange.Unsatisfiable e) {
            return Response.status(416).type(Problem.MEDIA_TYPE).entity(Problem.of(416, "range-not-satisfiable",
                    e.getMessage()).withCode("range_not_satisfiable", "Range")).header(ByteRange.CONTENT_RANGE, e.contentRange())
                    .header(ByteRange.ACCEPT_RANGES, "bytes").build();
        }
        if (range != null) {
            StreamingOutput part = out -> {
                try (InputStream in = storage.openRange(d, range.first(), range.length())) {
                    in.transferTo(out);
                }
            };
            return Response.status(206).entity(part).type(MediaType.APPLICATION_OCTET_STREAM_TYPE)
                    .header(HttpHeaders.CONTENT_LENGTH, range.length())
                    .header(ByteRange.CONTENT_RANGE, range.contentRange())
                    .header(ByteRange.ACCEPT_RANGES, "bytes")
                    .header(HttpHeaders.ETAG, etag(d))
                    .build();
        }
        if (blob.size() <= config.verifyBeforeSendMaxSize().asLongValue()) {
            storage.verify(d); // corruption answers a clean error before any byte is sent
        }
        StreamingOutput body = out -> {
            try (InputStream in = storage.open(d)) {
                in.transferTo(out);
            }
        };
        return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header(HttpHeaders.CONTENT_LENGTH, blob.size())
                .header(ByteRange.ACCEPT_RANGES, "bytes")
                .header(HttpHeaders.ETAG, etag(d))
                .build();
    }

    @HEAD
    @Path("/{digest}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Blocking
    public Response head(@PathParam("digest") String digest, @HeaderParam(TenantScope.HEADER) String tenantHeader,
                         @QueryParam("tenant_id") String tenantQuery, @Context SecurityContext caller) throws IOException {
        Digest d = Digest.parse(digest);
        BlobInfo blob = readable(d, TenantScope.resolve(tenantHeader, tenantQuery, caller));
        return Response.ok().type(MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header(HttpHeaders.CONTENT_LENGTH, blob.size())
                .header(HttpHeaders.ETAG, etag(d))
                .build();
    }

    /** The blob, when it is stored and {@code scope} may read it (null: the operator, any blob). */
    private BlobInfo readable(Digest d, String scope) throws IOException {
        if (scope != null && !artifacts.blobVisible(d.toString(), scope)) {
            throw new ResourceNotFoundException("no blob " + d + " is readable " + (TenantScope.SHARED_ONLY.equals(scope)
                    ? "without a tenant (only base and quantized models are; send X-Tenant-Id for a tenant's artifacts)"
                    : "by tenant " + scope + ": no artifact of that tenant, nor a shared one, stores it"));
        }
        return storage.stat(d).orElseThrow(() -> new ResourceNotFoundException("no blob " + d
                + " is stored; upload it with PUT /api/v1/blobs"));
    }

    private static String etag(Digest d) {
        return "\"" + d + "\"";
    }
}
