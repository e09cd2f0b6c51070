package dev.loraforge.inference.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.loraforge.inference.service.InferenceException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The one error-mapping layer: {@code application/problem+json} with a machine-readable {@code code}, no stack traces. */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    static final String PROBLEM_JSON = "application/problem+json";

    /** RFC 9457 problem details plus {@code code} and {@code param}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Problem(String type, String title, int status, String detail, String code, String param) {
    }

    static Response problem(int status, String code, String param, String detail) {
        Response.Status known = Response.Status.fromStatusCode(status);
        return Response.status(status).type(PROBLEM_JSON)
                .entity(new Problem("about:blank", known == null ? code : known.getReasonPhrase(), status, detail, code, param))
                .build();
    }

    @ServerExceptionMapper
    public Response inference(InferenceException e) {
        if (e.status() >= 500) {
            LOG.warnf("generation refused: %s", e.getMessage());
        }
        return problem(e.status(), e.code(), e.param(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String detail = status == 400 && e.getCause() != null
                ? "the request body could not be parsed: " + e.getCause().getMessage() : e.getMessage();
        return problem(status, status == 404 ? "not_found" : status >= 500 ? "internal_error" : "invalid_request", null, detail);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected error", e);
        return problem(500, "internal_error", null, "the inference service had an error: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
}
