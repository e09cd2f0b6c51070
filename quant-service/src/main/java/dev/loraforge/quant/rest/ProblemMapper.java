package dev.loraforge.quant.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.loraforge.contracts.Problem;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.quant.service.InvalidRequestException;
import dev.loraforge.quant.service.NotFoundException;
import dev.loraforge.quant.service.Violation;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one error-mapping layer: every error leaves in the internal services' one shape, event-contracts'
 * {@link dev.loraforge.contracts.Problem} ({@code application/problem+json}, RFC 9457, with {@code code}
 * and, for invalid requests, {@code errors}: [{@code field}, {@code message}]). Never a stack trace.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    public static final String PROBLEM_JSON = Problem.MEDIA_TYPE;

    /** How to fix a refusal of the framework itself, by status. */
    private static final Map<Integer, String> HINTS = Map.of(
            404, "no resource at this path; the API is under /api/v1/quantizations (see /q/openapi)",
            415, "unsupported Content-Type; send application/json");

    static Response problem(int status, String slug, String title, String detail, UriInfo uri, List<Violation> errors) {
        return Problem.of(status, slug, detail).titled(title).withCode(slug.replace('-', '_'), null)
                .withErrors(errors == null ? null : errors.stream().map(v -> new Problem.Violation(v.field(), v.message()))
                        .toList())
                .at(uri).response();
    }

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e, UriInfo uri) {
        return problem(400, "invalid-request", "Invalid request", e.getMessage(), uri, e.violations());
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, UriInfo uri) {
        return problem(404, "not-found", "Not found", e.getMessage(), uri, null);
    }

    @ServerExceptionMapper
    public Response store(ArtifactStoreException e, UriInfo uri) {
        LOG.warnf("artifact-store call failed: %s", e.getMessage());
        return problem(503, "artifact-store-unavailable", "artifact-store unavailable", "the base model could not be"
                + " looked up in artifact-store (" + e.getMessage() + "); nothing was changed, try again later", uri, null);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        return invalidJson(e, uri);
    }

    // the same for the subtypes Quarkus has built-in mappers for, so that ours are the closest match

    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
        return invalidJson(e, uri);
    }

    @ServerExceptionMapper
    public Response unparsable(JsonParseException e, UriInfo uri) {
        return invalidJson(e, uri);
    }

    private static Response invalidJson(JsonProcessingException e, UriInfo uri) {
        return withUsage(Problem.invalidJson(e)).at(uri).response();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        Problem p = Problem.framework(e, HINTS);
        return ("invalid_json".equals(p.code()) ? withUsage(p) : p).at(uri).response();
    }

    /** A JSON refusal with the two request forms this API takes. */
    private static Problem withUsage(Problem p) {
        return p.withDetail(p.detail() + "; send {\"base_model_name\": \"...\", \"scheme\": \"nf4\"} or"
                + " {\"base_model\": {\"id\": \"...\", \"digest\": \"sha256:...\"}, \"scheme\": \"nf4\"}");
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s", id);
        return problem(500, "internal-error", "Internal error", "an unexpected error occurred (error id " + id
                + "); see the quant-service log", uri, null);
    }
}
