package dev.loraforge.inference.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.loraforge.contracts.Problem;
import dev.loraforge.contracts.inference.Generation;
import dev.loraforge.inference.service.InferenceException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one error-mapping layer: the internal services' one shape, event-contracts'
 * {@link Problem} ({@code application/problem+json} with a machine-readable {@code code} and the
 * {@code param} at fault), no stack traces.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    static final String PROBLEM_JSON = Problem.MEDIA_TYPE;

    /** How to fix a refusal of the framework itself, by status. */
    private static final Map<Integer, String> HINTS = Map.of(
            404, "no resource at this path; the API is POST " + Generation.PATH + " (see /q/openapi)");

    /** {@code code} is the machine-readable reason job-api maps to OpenAI's ({@code context_length_exceeded}, ...). */
    static Response problem(int status, String code, String param, String detail, UriInfo uri) {
        return Problem.of(status, code.replace('_', '-'), detail).withCode(code, param).at(uri).response();
    }

    @ServerExceptionMapper
    public Response inference(InferenceException e, UriInfo uri) {
        if (e.status() >= 500) {
            LOG.warnf("generation refused: %s", e.getMessage());
        }
        Response r = problem(e.status(), e.code(), e.param(), e.getMessage(), uri);
        if (e.status() == 429 || e.status() == 503) {
            // the batch is full or the engine busy: the same request works shortly
            return Response.fromResponse(r).header("Retry-After", "1").build();
        }
        return r;
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        Problem p = Problem.framework(e, HINTS);
        if (p.status() == 400 && !"invalid_json".equals(p.code())) {
            p = p.withCode("invalid_request", null);
        }
        return p.at(uri).response();
    }

    /**
     * A body that is not JSON, or JSON of the wrong shape: 400 {@code invalid_json} naming the field. The exact type
     * Quarkus maps itself (to its own body) is named so that this mapper is the closest match.
     */
    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class})
    public Response json(JsonProcessingException e, UriInfo uri) {
        return Problem.invalidJson(e).at(uri).response();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        LOG.error("unexpected error", e);
        return problem(500, "internal_error", null, "the inference service had an error: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()), uri);
    }
}
