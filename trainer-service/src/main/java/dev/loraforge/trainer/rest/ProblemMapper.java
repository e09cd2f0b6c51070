package dev.loraforge.trainer.rest;

import dev.loraforge.contracts.Problem;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * trainer-service's operator API answers every error in the internal services' one shape, event-contracts'
 * {@link Problem} ({@code application/problem+json}); never a stack trace, never an empty 404.
 */
public class ProblemMapper {

    /** How to fix a refusal of the framework itself, by status. */
    private static final Map<Integer, String> HINTS = Map.of(
            404, "no resource at this path; the API is GET /api/v1/attempts/{job id} (see /q/openapi)",
            405, "the operator API only reads: use GET");

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, UriInfo uri) {
        String detail = e.getMessage() == null || e.getMessage().startsWith("HTTP 404") ? HINTS.get(404) : e.getMessage();
        return Problem.coded(404, "not-found", "Not Found", detail).at(uri).response();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        return Problem.framework(e, HINTS).at(uri).response();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        return Problem.unexpected(e, "trainer-service").at(uri).response();
    }
}
