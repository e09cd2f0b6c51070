package dev.loraforge.quant.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.quant.service.InvalidRequestException;
import dev.loraforge.quant.service.NotFoundException;
import dev.loraforge.quant.service.Violation;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one error-mapping layer: every error leaves as {@code application/problem+json} (RFC 9457)
 * with {@code type} ({@code urn:loraforge:problem:<slug>}), {@code title}, {@code status},
 * {@code detail} (what, where, how to fix), {@code instance} (the request path) and, for invalid
 * requests, {@code errors}: [{@code field}, {@code message}]. Never a stack trace.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    public static final String PROBLEM_JSON = "application/problem+json";
    public static final String TYPE_PREFIX = "urn:loraforge:problem:";

    /** RFC 9457 problem details. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Problem(String type, String title, int status, String detail, String instance, List<Violation> errors) {
    }

    static Response problem(int status, String slug, String title, String detail, UriInfo uri, List<Violation> errors) {
        String instance = uri == null ? null : "/" + uri.getPath().replaceFirst("^/", "");
        return Response.status(status).type(PROBLEM_JSON)
                .entity(new Problem(TYPE_PREFIX + slug, title, status, detail, instance, errors)).build();
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
        String field = e instanceof JsonMappingException m ? path(m) : null;
        String detail = "the body is not the expected JSON" + (field == null || field.isEmpty() ? "" : " at '" + field + "'")
                + ": " + e.getOriginalMessage() + "; send {\"base_model_name\": \"...\", \"scheme\": \"nf4\"}"
                + " or {\"base_model\": {\"id\": \"...\", \"digest\": \"sha256:...\"}, \"scheme\": \"nf4\"}";
        List<Violation> errors = field == null || field.isEmpty() ? null : List.of(new Violation(field, detail));
        return problem(400, "invalid-json", "Invalid JSON body", detail, uri, errors);
    }

    /** Jackson's path as {@code base_model.id}. */
    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof JsonProcessingException)) {
            cause = cause.getCause();
        }
        if (cause instanceof JsonProcessingException j) {
            return invalidJson(j, uri);
        }
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "HTTP " + status : known.getReasonPhrase();
        String slug = title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
        String detail = switch (status) {
            case 404 -> "no resource at this path; the API is under /api/v1/quantizations (see /q/openapi)";
            case 405 -> "this method is not allowed on this path; see /q/openapi";
            case 415 -> "unsupported Content-Type; send application/json";
            case 406 -> "cannot produce a representation the Accept header allows";
            default -> e.getMessage() == null || e.getMessage().isBlank() ? title : e.getMessage();
        };
        return problem(status, slug, title, detail, uri, null);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s", id);
        return problem(500, "internal-error", "Internal error", "an unexpected error occurred (error id " + id
                + "); see the quant-service log", uri, null);
    }
}
