package dev.loraforge.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The one error shape of the internal services: RFC 9457 problem details
 * ({@code application/problem+json}) with {@code type} ({@code urn:loraforge:problem:<slug>}),
 * {@code title}, {@code status}, {@code detail} (what, where, how to fix), {@code instance} (the
 * request path), and where they apply a machine-readable {@code code} and {@code param} and the
 * invalid fields in {@code errors}. Absent members are left out. The public {@code /v1} API answers
 * OpenAI's error envelope instead (job-api).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, String code,
                      String param, List<Violation> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_PREFIX = "urn:loraforge:problem:";

    /** One invalid field of a request: {@code parents[1].relation}, with what is wrong with it. */
    public record Violation(String field, String message) {
    }

    /** A problem of type {@code urn:loraforge:problem:<slug>}, titled after the status. */
    public static Problem of(int status, String slug, String detail) {
        Response.Status known = Response.Status.fromStatusCode(status);
        return new Problem(TYPE_PREFIX + slug, known == null ? "HTTP " + status : known.getReasonPhrase(), status,
                detail, null, null, null, null);
    }

    /** As {@link #of}, titled {@code title}, with the slug as its machine-readable {@code code} ({@code not_found}). */
    public static Problem coded(int status, String slug, String title, String detail) {
        return of(status, slug, detail).titled(title).withCode(slug.replace('-', '_'), null);
    }

    /**
     * 500 {@code internal-error} for an exception nothing else mapped: logged with its stack trace under a
     * fresh error id, which the detail names so that an operator finds it in {@code service}'s log; the
     * answer itself never carries a stack trace.
     */
    public static Problem unexpected(Throwable e, String service) {
        String id = UUID.randomUUID().toString();
        Logger.getLogger(Problem.class).errorf(e, "unexpected error %s in %s", id, service);
        return coded(500, "internal-error", "Internal error", "an unexpected error occurred (error id " + id
                + "); see the " + service + " log");
    }

    public Problem titled(String newTitle) {
        return new Problem(type, newTitle, status, detail, instance, code, param, errors);
    }

    public Problem withDetail(String newDetail) {
        return new Problem(type, title, status, newDetail, instance, code, param, errors);
    }

    public Problem at(UriInfo uri) {
        return uri == null ? this : new Problem(type, title, status, detail, "/" + uri.getPath().replaceFirst("^/", ""),
                code, param, errors);
    }

    public Problem withCode(String newCode, String newParam) {
        return new Problem(type, title, status, detail, instance, newCode, newParam, errors);
    }

    public Problem withErrors(List<Violation> newErrors) {
        return new Problem(type, title, status, detail, instance, code, param,
                newErrors == null || newErrors.isEmpty() ? null : List.copyOf(newErrors));
    }

    /** The HTTP answer carrying this problem. */
    public Response response() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }

    /** A body that is not the expected JSON: 400 {@code invalid-json} naming the field where it can. */
    public static Problem invalidJson(JsonProcessingException e) {
        String field = e instanceof JsonMappingException m ? path(m) : null;
        String detail;
        if (e instanceof UnrecognizedPropertyException u) {
            detail = "unknown field '" + field + "'; known fields: " + u.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
        } else {
            detail = "the body is not the expected JSON" + (field == null || field.isEmpty() ? "" : " at '" + field + "'")
                    + ": " + e.getOriginalMessage();
        }
        return of(400, "invalid-json", detail).titled("Invalid JSON body").withCode("invalid_json", emptyToNull(field))
                .withErrors(field == null || field.isEmpty() ? null : List.of(new Violation(field, detail)));
    }

    /**
     * A refusal by the framework itself (no such path, method, media type; a body it could not read),
     * with {@code hints} by status saying how to fix it (404: where the API is, ...).
     */
    public static Problem framework(WebApplicationException e, Map<Integer, String> hints) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonProcessingException j) {
                return invalidJson(j);
            }
        }
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "HTTP " + status : known.getReasonPhrase();
        String detail = hints.getOrDefault(status, switch (status) {
            case 405 -> "this method is not allowed on this path; see /q/openapi";
            case 406 -> "cannot produce a representation the Accept header allows";
            case 415 -> "unsupported Content-Type; JSON endpoints take application/json";
            default -> e.getMessage() == null || e.getMessage().isBlank() ? title : e.getMessage();
        });
        String slug = title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
        return of(status, slug, detail).withCode(slug.replace('-', '_'), null);
    }

    /** Jackson's path as {@code parents[1].relation}. */
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

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
