package dev.loraforge.jobapi.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one error-mapping layer, no stack traces: on {@code /v1} OpenAI's error envelope, elsewhere
 * (admin API) {@code application/problem+json}.
 */
public class OpenAiErrorMapper {

    private static final Logger LOG = Logger.getLogger(OpenAiErrorMapper.class);

    /** {@code {"error": {...}}}. */
    public record Envelope(Body error) {
    }

    /** OpenAI's error object; {@code param} and {@code code} are null when they do not apply. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Body(String message, String type, String param, String code) {
    }

    /** RFC 9457 problem details, for everything outside {@code /v1}. */
    public record Problem(String type, String title, int status, String detail, String param) {
    }

    static Response response(UriInfo uri, int status, String type, String message, String param, String code) {
        if (uri == null || uri.getPath().startsWith("/v1")) {
            return response(status, type, message, param, code);
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        return Response.status(status).type("application/problem+json")
                .entity(new Problem("about:blank", known == null ? type : known.getReasonPhrase(), status, message, param))
                .build();
    }

    /** OpenAI's envelope. */
    public static Response response(int status, String type, String message, String param, String code) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new Envelope(new Body(message, type, param, code))).build();
    }

    @ServerExceptionMapper
    public Response api(ApiException e, UriInfo uri) {
        return response(uri, e.status(), e.type(), e.getMessage(), e.param(), e.code());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        String type = status == 401 ? "authentication_error" : status == 404 ? "invalid_request_error"
                : status >= 500 ? "server_error" : "invalid_request_error";
        String message = e.getMessage() == null || e.getMessage().isBlank()
                ? Response.Status.fromStatusCode(status).getReasonPhrase() : e.getMessage();
        if (status == 400 && e.getCause() != null) {
            message = "The request body could not be parsed: " + e.getCause().getMessage();
        }
        return response(uri, status, type, message, null, null);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        LOG.error("unexpected error", e);
        return response(uri, 500, "server_error", "The server had an error while processing your request.", null, null);
    }
}
