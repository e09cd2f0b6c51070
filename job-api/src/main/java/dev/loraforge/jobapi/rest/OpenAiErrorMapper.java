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
        Response r = response(uri, e.status(), e.type(), e.getMessage(), e.param(), e.code());
        return e.retryAfterSeconds() == null ? r : Response.fromResponse(r).header("Retry-After", e.retryAfterSeconds()).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (status == 400 && e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException json) {
            return badJson(json, uri); // the framework wraps parse errors
        }
        String type = status == 401 ? "authentication_error" : status == 404 ? "invalid_request_error"
                : status >= 500 ? "server_error" : "invalid_request_error";
        String message = e.getMessage() == null || e.getMessage().isBlank()
                ? Response.Status.fromStatusCode(status).getReasonPhrase() : e.getMessage();
        if (status == 400 && e.getCause() != null) {
            message = "The request body could not be parsed: " + e.getCause().getMessage();
        }
        return response(uri, status, type, message, null, null);
    }

    /**
     * A body that is not JSON, or JSON of the wrong shape for the request (an array for an object, an object for a
     * string...): a 400 in the envelope naming the field, instead of the framework's empty 400.
     */
    @ServerExceptionMapper
    public Response badJson(com.fasterxml.jackson.core.JsonProcessingException e, UriInfo uri) {
        String param = e instanceof com.fasterxml.jackson.databind.JsonMappingException m ? path(m) : null;
        String message;
        if (String.valueOf(e.getOriginalMessage()).startsWith("Trailing token")) {
            message = "The request body has something after its JSON value; send exactly one JSON value.";
        } else if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && m.getTargetType() != null) {
            message = (param == null ? "The request body" : "'" + param + "'") + " must be " + jsonKind(m.getTargetType()) + ".";
        } else if (e instanceof com.fasterxml.jackson.core.JsonParseException || e instanceof com.fasterxml.jackson.core.io.JsonEOFException) {
            message = "The request body is not valid JSON: " + e.getOriginalMessage();
        } else {
            message = "The request body could not be read" + (param == null ? "" : " at '" + param + "'") + ": "
                    + e.getOriginalMessage();
        }
        return response(uri, 400, "invalid_request_error", message, param, null);
    }

    /** The exact type Quarkus maps itself (to an empty 400): named here so that this mapper wins. */
    @ServerExceptionMapper
    public Response mismatchedJson(com.fasterxml.jackson.databind.exc.MismatchedInputException e, UriInfo uri) {
        return badJson(e, uri);
    }

    /** {@code hyperparameters.n_epochs}, {@code events[0]}; null at the top level. */
    static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                out.append(out.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.length() == 0 ? null : out.toString();
    }

    /** What a JSON value for {@code type} looks like, in the API's words. */
    static String jsonKind(Class<?> type) {
        if (type == String.class || type == Character.class || type == char.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "a JSON object";
    }

    /**
     * A request body that ended before it was whole (a multipart body cut short, framed with another boundary than
     * its Content-Type names, or empty): the client's fault, a 400.
     */
    /** A multipart body whose part headers are not headers: the same 400 as a body cut short. */
    @ServerExceptionMapper
    public Response malformedMultipart(org.jboss.resteasy.reactive.server.core.multipart.MultipartParser.MalformedMessageException e,
                                       UriInfo uri) {
        return unreadable(new java.io.IOException("a part's headers are malformed"), uri);
    }

    @ServerExceptionMapper
    public Response unreadable(java.io.IOException e, UriInfo uri) {
        return response(uri, 400, "invalid_request_error", "The request body could not be read: " + e.getMessage()
                + ". A multipart body needs the boundary its Content-Type names, each part framed by it, and the"
                + " closing boundary.", null, null);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        if (dev.loraforge.events.platform.DatabaseOutage.isOutage(e)) {
            // the database is away (a restart, a failover): the same request will work shortly
            LOG.warnf("database unreachable: %s %s answered 503", uri.getRequestUri().getPath(), e.getMessage());
            Response r = response(uri, 503, "server_error", "The service's database is unreachable for a moment."
                    + " Retry shortly (a create with the same Idempotency-Key is never done twice).", null,
                    "database_unavailable");
            return Response.fromResponse(r).header("Retry-After", "2").build();
        }
        LOG.error("unexpected error", e);
        return response(uri, 500, "server_error", "The server had an error while processing your request.", null, null);
    }
}
