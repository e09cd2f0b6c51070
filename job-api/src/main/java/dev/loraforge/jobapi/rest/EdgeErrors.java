package dev.loraforge.jobapi.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Refusals that happen before a request reaches a resource, in the HTTP layer (a path or query that is not valid
 * percent-encoded UTF-8, an unknown route, a body over the size limit...): without this they left as an empty 4xx, or
 * the framework's error page. Each gets the error shape of its API, as the resources' own refusals do: OpenAI's
 * envelope on {@code /v1}, problem details on {@code /admin}.
 */
@ApplicationScoped
public class EdgeErrors {

    private static final Logger LOG = Logger.getLogger(EdgeErrors.class);
    private static final int[] HANDLED = {400, 404, 405, 406, 413, 414, 415, 431, 500};

    private final ObjectMapper json;

    public EdgeErrors(ObjectMapper json) {
        this.json = json;
    }

    void install(@Observes Router router) {
        for (int status : HANDLED) {
            router.errorHandler(status, ctx -> answer(ctx, status));
        }
    }

    private void answer(RoutingContext ctx, int status) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.headWritten()) {
            return;
        }
        if (status >= 500) {
            LOG.error("unhandled failure of " + ctx.request().method() + " request", ctx.failure());
        }
        String rawPath = ctx.request().uri();
        String message = message(status);
        String type = status >= 500 ? "server_error" : "invalid_request_error";
        try {
            String body;
            if (rawPath != null && rawPath.startsWith("/admin")) {
                response.putHeader("Content-Type", "application/problem+json");
                body = json.writeValueAsString(new OpenAiErrorMapper.Problem("about:blank", reason(status), status, message, null));
            } else {
                response.putHeader("Content-Type", "application/json");
                body = json.writeValueAsString(new OpenAiErrorMapper.Envelope(new OpenAiErrorMapper.Body(message, type, null,
                        status == 413 ? "request_too_large" : null)));
            }
            response.setStatusCode(status).end(body);
        } catch (JsonProcessingException e) {
            response.setStatusCode(status).end();
        }
    }

    static String message(int status) {
        return switch (status) {
            case 400 -> "The request could not be read: its path or query string must be valid percent-encoded UTF-8"
                    + " (a '%' followed by two hex digits), its headers and body well formed.";
            case 404 -> "Unknown request URL. Check the path against the API reference.";
            case 405 -> "This URL does not accept that method. Check the method against the API reference.";
            case 406 -> "The API answers application/json (and text/event-stream for streams); accept one of them.";
            case 413 -> "The request body is larger than this server accepts.";
            case 414 -> "The request URL is too long; ids and query values are far shorter.";
            case 415 -> "Unsupported Content-Type: send application/json (multipart/form-data for file uploads).";
            case 431 -> "The request headers are too large.";
            default -> "The server had an error while processing your request.";
        };
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 431 -> "Request Header Fields Too Large";
            default -> "Internal Server Error";
        };
    }
}
