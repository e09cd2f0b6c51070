package dev.loraforge.jobapi.webhooks;

import dev.loraforge.jobapi.webhooks.DeliveryLedger.Claim;
import dev.loraforge.jobapi.webhooks.DeliveryLedger.Outcome;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes one attempt: checks the URL's addresses again (DNS may have changed since the endpoint
 * was created), signs the body for this attempt's timestamp and POSTs it. Redirects are not
 * followed (a 3xx is a failure, as the spec advises), no proxy is used, the connection must open
 * within {@code connect-timeout} and the whole exchange end within {@code request-timeout}.
 *
 * <p>The address check and the client's own lookup moments later read the JVM's DNS cache
 * (positive answers are kept 30 s by default), so both see the same addresses.
 */
@ApplicationScoped
public class WebhookSender {

    private final HttpClient client;
    private final UrlGuard guard;
    private final WebhookConfig config;

    public WebhookSender(WebhookConfig config) {
        this.config = config;
        this.guard = new UrlGuard(config.allowPrivateUrls());
        this.client = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public Outcome send(Claim claim) {
        OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC);
        long t0 = System.nanoTime();
        try {
            guard.checkAddresses(claim.url());
        } catch (UrlGuard.RefusedUrl e) {
            return new Outcome(started, elapsedMs(t0), null, "not sent: " + e.getMessage(), null);
        }
        byte[] body = claim.payload().getBytes(StandardCharsets.UTF_8);
        long timestamp = started.toEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(claim.url())
                .timeout(config.requestTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", config.userAgent())
                .header("webhook-id", claim.eventId())
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", WebhookSigner.header(claim.secrets(started), claim.eventId(), timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<Void>> exchange = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        try {
            HttpResponse<Void> response = exchange.get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            int status = response.statusCode();
            String error = status >= 200 && status < 300 ? null : problem(status, response);
            return new Outcome(started, elapsedMs(t0), status, error, retryAfter(response));
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return new Outcome(started, elapsedMs(t0), null,
                    "no complete response within " + config.requestTimeout().toMillis() + " ms", null);
        } catch (ExecutionException e) {
            return new Outcome(started, elapsedMs(t0), null, networkError(e.getCause()), null);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return new Outcome(started, elapsedMs(t0), null, "interrupted: job-api is shutting down", null);
        }
    }

    private String networkError(Throwable cause) {
        if (cause instanceof HttpConnectTimeoutException) {
            return "could not connect within " + config.connectTimeout().toMillis() + " ms";
        }
        if (cause instanceof HttpTimeoutException) {
            return "no response within " + config.requestTimeout().toMillis() + " ms";
        }
        if (cause instanceof ConnectException) {
            return "connection refused or unreachable" + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
        }
        if (cause instanceof IOException) {
            return "connection error: " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        }
        return "error: " + cause;
    }

    private static String problem(int status, HttpResponse<?> response) {
        if (status >= 300 && status < 400) {
            return "the receiver answered a redirect (" + status + (response.headers().firstValue("Location")
                    .map(l -> " to " + l).orElse("") + "), which is not followed; set the endpoint's URL to its final location");
        }
        return "the receiver answered " + status;
    }

    /** {@code Retry-After} in seconds or as an HTTP date (on 429 and 503, say). */
    static Duration retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(WebhookSender::parseRetryAfter).orElse(null);
    }

    static Duration parseRetryAfter(String value) {
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(ZonedDateTime.now(ZoneOffset.UTC),
                        ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static long elapsedMs(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
