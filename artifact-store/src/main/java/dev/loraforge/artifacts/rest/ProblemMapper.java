package dev.loraforge.artifacts.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.loraforge.artifacts.service.ConflictException;
import dev.loraforge.artifacts.service.ResourceNotFoundException;
import dev.loraforge.artifacts.storage.BlobTooLargeException;
import dev.loraforge.artifacts.storage.CorruptBlobException;
import dev.loraforge.artifacts.storage.DigestMismatchException;
import dev.loraforge.artifacts.storage.InvalidDigestException;
import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.contracts.Problem;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
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

    /** The store's refusals, and a stored blob found damaged, by exception type: the detail is the exception's. */
    private static final Map<Class<?>, Problem> REFUSALS = Map.of(
            InvalidDigestException.class, Problem.coded(400, "invalid-digest", "Invalid digest", null),
            DigestMismatchException.class, Problem.coded(400, "digest-mismatch", "Digest mismatch", null),
            BlobTooLargeException.class, Problem.coded(413, "blob-too-large", "Blob too large", null),
            CorruptBlobException.class, Problem.coded(500, "blob-corrupted", "Stored blob is corrupted", null),
            ResourceNotFoundException.class, Problem.coded(404, "not-found", "Not found", null),
            ConflictException.class, Problem.coded(409, "conflict", "Conflict", null));

    static Response problem(int status, String slug, String title, String detail, UriInfo uri) {
        return Problem.coded(status, slug, title, detail).at(uri).response();
    }

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e, UriInfo uri) {
        return e.problem().at(uri).response();
    }

    @ServerExceptionMapper({InvalidDigestException.class, DigestMismatchException.class, BlobTooLargeException.class,
            CorruptBlobException.class, ResourceNotFoundException.class, ConflictException.class})
    public Response refused(Exception e, UriInfo uri) {
        Class<?> type = e.getClass();
        while (!REFUSALS.containsKey(type)) {
            type = type.getSuperclass();
        }
        if (e instanceof CorruptBlobException) {
            LOG.error(e.getMessage());
        }
        return REFUSALS.get(type).withDetail(e.getMessage()).at(uri).response();
    }

    /** A body that is not the expected JSON; the subtypes are named so that this beats Quarkus' own mappers. */
    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class, JsonParseException.class})
    public Response json(JsonProcessingException e, UriInfo uri) {
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
                + e.getMessage() + " (error id " + id + "); nothing was stored", uri);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException) {
                return problem(409, "conflict", "Conflict", "a concurrent request registered the same id or base-model"
                        + " name; retry to get the existing artifact", uri);
            }
        }
        return Problem.unexpected(e, "artifact-store").at(uri).response();
    }
}
