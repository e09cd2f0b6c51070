package dev.loraforge.quant.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.contracts.Problem;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.quant.service.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
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

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e, UriInfo uri) {
        return e.problem().at(uri).response();
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, UriInfo uri) {
        return Problem.coded(404, "not-found", "Not found", e.getMessage()).at(uri).response();
    }

    @ServerExceptionMapper
    public Response store(ArtifactStoreException e, UriInfo uri) {
        LOG.warnf("artifact-store call failed: %s", e.getMessage());
        return Problem.coded(503, "artifact-store-unavailable", "artifact-store unavailable", "the base model could not"
                + " be looked up in artifact-store (" + e.getMessage() + "); nothing was changed, try again later")
                .at(uri).response();
    }

    /**
     * A body that is not the expected JSON, with the two request forms this API takes; the subtypes are named so
     * that this beats Quarkus' own mappers.
     */
    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class, JsonParseException.class})
    public Response json(JsonProcessingException e, UriInfo uri) {
        return withUsage(Problem.invalidJson(e)).at(uri).response();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        Problem p = Problem.framework(e, HINTS);
        return ("invalid_json".equals(p.code()) ? withUsage(p) : p).at(uri).response();
    }

    private static Problem withUsage(Problem p) {
        return p.withDetail(p.detail() + "; send {\"base_model_name\": \"...\", \"scheme\": \"nf4\"} or"
                + " {\"base_model\": {\"id\": \"...\", \"digest\": \"sha256:...\"}, \"scheme\": \"nf4\"}");
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        return Problem.unexpected(e, "quant-service").at(uri).response();
    }
}
