package dev.loraforge.artifacts.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.loraforge.artifacts.service.ConflictException;
import dev.loraforge.artifacts.service.InvalidRequestException;
import dev.loraforge.artifacts.service.ResourceNotFoundException;
import dev.loraforge.artifacts.service.Violation;
import dev.loraforge.artifacts.storage.BlobTooLargeException;
import dev.loraforge.artifacts.storage.CorruptBlobException;
import dev.loraforge.artifacts.storage.DigestMismatchException;
import dev.loraforge.artifacts.storage.InvalidDigestException;
import dev.loraforge.contracts.Problem;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hibernate.exception.ConstraintViolationException;
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
            404, "no resource at this path; the API is under /api/v1 (see /q/openapi)",
            415, "unsupported Content-Type; JSON endpoints take application/json, blobs any type");

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
    public Response invalidDigest(InvalidDigestException e, UriInfo uri) {
        return problem(400, "invalid-digest", "Invalid digest", e.getMessage(), uri, null);
    }

    @ServerExceptionMapper
    public Response mismatch(DigestMismatchException e, UriInfo uri) {
        return problem(400, "digest-mismatch", "Digest mismatch", e.getMessage(), uri, null);
    }

    @ServerExceptionMapper
    public Response tooLarge(BlobTooLargeException e, UriInfo uri) {
        return problem(413, "blob-too-large", "Blob too large", e.getMessage(), uri, null);
    }

    @ServerExceptionMapper
    public Response corrupt(CorruptBlobException e, UriInfo uri) {
        LOG.error(e.getMessage());
        return problem(500, "blob-corrupted", "Stored blob is corrupted", e.getMessage(), uri, null);
    }

    @ServerExceptionMapper
    public Response notFound(ResourceNotFoundException e, UriInfo uri) {
        return problem(404, "not-found", "Not found", e.getMessage(), uri, null);
    }

    @ServerExceptionMapper
    public Response conflict(ConflictException e, UriInfo uri) {
        return problem(409, "conflict", "Conflict", e.getMessage(), uri, null);
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
        return Problem.invalidJson(e).at(uri).response();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        return Problem.framework(e, HINTS).at(uri).response();
    }

    @ServerExceptionMapper
    public Response io(IOException e, UriInfo uri) {
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "storage error %s", id);
        return problem(500, "storage-error", "Storage error", "reading or writing the blob storage failed: "
                + e.getMessage() + " (error id " + id + "); nothing was stored", uri, null);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException) {
                return problem(409, "conflict", "Conflict", "a concurrent request registered the same id or base-model"
                        + " name; retry to get the existing artifact", uri, null);
            }
        }
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s", id);
        return problem(500, "internal-error", "Internal error", "an unexpected error occurred (error id " + id
                + "); see the artifact-store log", uri, null);
    }
}
