package dev.loraforge.quant.rest;

import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.contracts.Problem.Violation;
import dev.loraforge.events.QuantizationRequested;
import dev.loraforge.quant.mapping.QuantizationMapper;
import dev.loraforge.quant.repository.Quantization;
import dev.loraforge.quant.repository.QuantizationStatus;
import dev.loraforge.quant.service.BaseModelResolver;
import dev.loraforge.quant.service.NotFoundException;
import dev.loraforge.quant.service.QuantizationLedger;
import dev.loraforge.quant.service.QuantizationService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Quantizations by (base digest, scheme); JSON, snake_case; errors as {@code application/problem+json}.
 * <ul>
 * <li>{@code POST /api/v1/quantizations} {base_model: {id, digest} | base_model_name, scheme}:
 *     pre-quantizes a base model ahead of any job. 202 with the pair's state (pending or running;
 *     the outcome also goes to {@code loraforge.quant.outcome} under the returned {@code request_id});
 *     200 when the pair is already done (succeeded, or failed for a reason a retry cannot fix).
 *     400 {@code invalid-request} with {@code errors: [{field, message}]}; nothing is changed.
 *     503 when artifact-store cannot be asked about the base model.</li>
 *     With {@code X-Tenant-Id} the base model may be one private to that tenant: its quantized variant is made for
 *     that tenant alone (the pair is then (digest, scheme, tenant)).</li>
 * <li>{@code GET /api/v1/quantizations/{digest}/{scheme}[?tenant_id=]}: one pair (of a public base model, or of one
 *     private to {@code tenant_id}), or 404.</li>
 * <li>{@code GET /api/v1/quantizations?status=&base_digest=&limit=}: pairs, most recently changed first.</li>
 * </ul>
 */
@Path("/api/v1/quantizations")
@Produces(MediaType.APPLICATION_JSON)
public class QuantizationResource {

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    private final QuantizationService service;
    private final QuantizationLedger ledger;
    private final BaseModelResolver bases;

    public QuantizationResource(QuantizationService service, QuantizationLedger ledger, BaseModelResolver bases) {
        this.service = service;
        this.ledger = ledger;
        this.bases = bases;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response quantize(QuantizeRequest body, @HeaderParam("X-Tenant-Id") String tenantHeader) {
        String tenant = tenantHeader == null || tenantHeader.isBlank() ? null : tenantHeader;
        if (body == null) {
            throw new InvalidRequestException("body", "a JSON object {\"base_model_name\" or \"base_model\": {\"id\","
                    + " \"digest\"}, \"scheme\"} is required");
        }
        List<Violation> v = new ArrayList<>();
        checkScheme(body.scheme(), "scheme", v);
        boolean byName = body.baseModelName() != null;
        if (byName && body.baseModel() != null) {
            v.add(new Violation("base_model", "give either base_model {id, digest} or base_model_name, not both"));
        } else if (byName && body.baseModelName().isBlank()) {
            v.add(new Violation("base_model_name", "must not be empty; the name of a base model registered in artifact-store"));
        } else if (!byName && body.baseModel() == null) {
            v.add(new Violation("base_model", "is required: {\"id\", \"digest\"} of a base model artifact, or give"
                    + " base_model_name instead"));
        } else if (!byName) {
            if (body.baseModel().id() == null || body.baseModel().id().isBlank()) {
                v.add(new Violation("base_model.id", "is required: the base model's artifact id, e.g. \"model-...\""));
            }
            checkDigest(body.baseModel().digest(), "base_model.digest", v);
        }
        if (!v.isEmpty()) {
            throw new InvalidRequestException(v);
        }
        BaseModelResolver.BaseModel base = byName ? bases.byName(body.baseModelName(), tenant)
                : bases.byId(body.baseModel().id(), body.baseModel().digest(), tenant);
        String requestId = "qreq-api-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        Quantization row = service.handle(new QuantizationRequested(requestId, base.ref(), base.name(), body.scheme(),
                        tenant == null ? "api" : "api:" + tenant, base.owner()))
                .orElseThrow(() -> new IllegalStateException("a checked scheme was refused"));
        boolean done = !row.status.open();
        return Response.status(done ? Response.Status.OK : Response.Status.ACCEPTED)
                .location(URI.create("/api/v1/quantizations/" + row.key.baseDigest() + "/" + row.key.scheme()
                        + (row.key.owner() == null ? "" : "?tenant_id=" + java.net.URLEncoder.encode(row.key.owner(),
                        java.nio.charset.StandardCharsets.UTF_8))))
                .entity(QuantizationMapper.toView(row, requestId)).build();
    }

    @GET
    @Path("/{digest}/{scheme}")
    public QuantizationView get(@PathParam("digest") String digest, @PathParam("scheme") String scheme,
                                @QueryParam("tenant_id") String tenant) {
        List<Violation> v = new ArrayList<>();
        checkDigest(digest, "digest", v);
        checkScheme(scheme, "scheme", v);
        if (!v.isEmpty()) {
            throw new InvalidRequestException(v);
        }
        return ledger.find(new Quantization.Key(digest, scheme, tenant)).map(q -> QuantizationMapper.toView(q, null))
                .orElseThrow(() -> new NotFoundException("no quantization of " + digest + " with " + scheme
                        + " was requested; request it with POST /api/v1/quantizations"));
    }

    @GET
    public List<QuantizationView> list(@QueryParam("status") String status, @QueryParam("base_digest") String baseDigest,
                                       @QueryParam("limit") String limit) {
        List<Violation> v = new ArrayList<>();
        QuantizationStatus s = null;
        if (status != null && !status.isBlank()) {
            s = Arrays.stream(QuantizationStatus.values()).filter(x -> x.wireName().equals(status)).findFirst().orElse(null);
            if (s == null) {
                v.add(new Violation("status", "'" + status + "' is not a status; use one of "
                        + Arrays.stream(QuantizationStatus.values()).map(QuantizationStatus::wireName).toList()));
            }
        }
        String digest = baseDigest == null || baseDigest.isBlank() ? null : baseDigest;
        if (digest != null) {
            checkDigest(digest, "base_digest", v);
        }
        int n = 100;
        if (limit != null && !limit.isBlank()) {
            try {
                n = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 1000) {
                v.add(new Violation("limit", "'" + limit + "' must be an integer from 1 to 1000"));
            }
        }
        if (!v.isEmpty()) {
            throw new InvalidRequestException(v);
        }
        return ledger.search(s, digest, n).stream().map(q -> QuantizationMapper.toView(q, null)).toList();
    }

    private static void checkScheme(String scheme, String field, List<Violation> v) {
        if (scheme == null || scheme.isBlank()) {
            v.add(new Violation(field, "is required; one of " + QuantizationService.SCHEMES));
        } else if (!QuantizationService.SCHEMES.contains(scheme)) {
            v.add(new Violation(field, "'" + scheme + "' is not a quantization scheme; use one of " + QuantizationService.SCHEMES));
        }
    }

    private static void checkDigest(String digest, String field, List<Violation> v) {
        if (digest == null || digest.isBlank()) {
            v.add(new Violation(field, "is required: 'sha256:' and 64 lowercase hex digits"));
        } else if (!DIGEST.matcher(digest).matches()) {
            v.add(new Violation(field, "'" + digest + "' is not a digest; expected 'sha256:' and 64 lowercase hex digits"));
        }
    }
}
