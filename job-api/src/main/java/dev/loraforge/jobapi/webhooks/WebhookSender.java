package dev.loraforge.jobapi.webhooks;

import dev.loraforge.events.platform.TraceContext;
import dev.loraforge.jobapi.webhooks.DeliveryLedger.Claim;
import dev.loraforge.jobapi.webhooks.DeliveryLedger.Outcome;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes one attempt: looks the URL's host up once and checks every address it has (DNS may have
 * changed since the endpoint was created, or be changing on purpose: DNS rebinding), then connects
 * to the first of those addresses and nowhere else, without a second lookup; the request still
 * names the URL's host in its {@code Host} header, in TLS SNI and in the certificate check. It signs
 * the body for this attempt's timestamp and POSTs it. A refused address is an attempt that failed
 * without sending anything, retried on the usual schedule. Redirects are not followed (a 3xx is a
 * failure, as the spec advises), no proxy is configured, the connection must open within
 * {@code connect-timeout} and the whole exchange end within {@code request-timeout}.
 *
 * <p>Vert.x' client, not the JDK's: the JDK client always resolves the URL's host itself, so it
 * could connect to an address that was never checked.
 */
@ApplicationScoped
public class WebhookSender {

    /** What the receiver answered. */
    private record Answer(int status, String retryAfter, String location) {
    }

    /** The request once it has a connection; given up on, it is reset, and one not yet sent never is. */
    private static final class InFlight {
        private HttpClientRequest request;
        private boolean abandoned;

        synchronized boolean start(HttpClientRequest r) {
            if (abandoned) {
                r.reset();
                return false;
            }
            request = r;
            return true;
        }

        synchronized void abandon() {
            abandoned = true;
            if (request != null) {
                request.reset(); // closes the stream, and with HTTP/1.1 its connection
            }
        }
    }

    private final HttpClient client;
    private final UrlGuard guard;
    private final WebhookConfig config;

    @Inject
    public WebhookSender(WebhookConfig config, Vertx vertx) {
        this(config, vertx, new UrlGuard(config.allowPrivateUrls()), null);
    }

    /** With another guard (a fake resolver) and, for https, other trusted certificates: for tests. */
    WebhookSender(WebhookConfig config, Vertx vertx, UrlGuard guard, TrustOptions trust) {
        this.config = config;
        this.guard = guard;
        HttpClientOptions options = new HttpClientOptions()
                .setName("webhooks")
                .setConnectTimeout(Math.toIntExact(config.connectTimeout().toMillis()))
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setVerifyHost(true)
                .setMaxPoolSize(config.workers());
        if (trust != null) {
            options.setTrustOptions(trust);
        }
        this.client = vertx.createHttpClient(options);
    }

    @PreDestroy
    void close() {
        client.close();
    }

    public Outcome send(Claim claim) {
        OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC);
        long t0 = System.nanoTime();
        URI url = claim.url();
        InetAddress address;
        try {
            address = guard.resolve(url).get(0);
        } catch (UrlGuard.RefusedUrl e) {
            return new Outcome(started, elapsedMs(t0), null, "not sent: " + e.getMessage(), null);
        }
        byte[] body = claim.payload().getBytes(StandardCharsets.UTF_8);
        long timestamp = started.toEpochSecond();
        boolean https = "https".equals(url.getScheme().toLowerCase(Locale.ROOT));
        int port = url.getPort() != -1 ? url.getPort() : https ? 443 : 80;
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                // the checked address; the host below only names the receiver (Host, SNI, certificate)
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, port)))
                .setHost(url.getHost())
                .setPort(port)
                .setSsl(https)
                .setURI(target(url))
                .setFollowRedirects(false)
                .setConnectTimeout(config.connectTimeout().toMillis())
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", config.userAgent())
                .putHeader("webhook-id", claim.eventId())
                .putHeader("webhook-timestamp", Long.toString(timestamp))
                .putHeader("webhook-signature", WebhookSigner.header(claim.secrets(started), claim.eventId(), timestamp, body));
        // W3C trace context: the attempt's span (the dispatcher's), else the trace the delivery was written in
        String traceparent = TraceContext.current();
        traceparent = traceparent != null ? traceparent : claim.traceparent();
        if (traceparent != null) {
            options.putHeader(TraceContext.HEADER, traceparent);
        }
        InFlight inFlight = new InFlight();
        CompletableFuture<Answer> exchange = client.request(options)
                .compose(request -> inFlight.start(request) ? request.send(Buffer.buffer(body))
                        : Future.failedFuture("given up before it was sent"))
                // the body is read and dropped: the connection can serve the next attempt
                .compose(response -> response.end().map(done -> new Answer(response.statusCode(),
                        response.getHeader("Retry-After"), response.getHeader("Location"))))
                .toCompletionStage().toCompletableFuture();
        try {
            Answer answer = exchange.get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            int status = answer.status();
            String error = status >= 200 && status < 300 ? null : problem(answer);
            return new Outcome(started, elapsedMs(t0), status, error,
                    answer.retryAfter() == null ? null : parseRetryAfter(answer.retryAfter()));
        } catch (TimeoutException e) {
            inFlight.abandon();
            return new Outcome(started, elapsedMs(t0), null,
                    "no complete response within " + config.requestTimeout().toMillis() + " ms", null);
        } catch (ExecutionException e) {
            return new Outcome(started, elapsedMs(t0), null, networkError(e.getCause()), null);
        } catch (InterruptedException e) {
            inFlight.abandon();
            Thread.currentThread().interrupt();
            return new Outcome(started, elapsedMs(t0), null, "interrupted: job-api is shutting down", null);
        }
    }

    /** Path and query as the URL has them, still encoded. */
    private static String target(URI url) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
    }

    private String networkError(Throwable cause) {
        if (cause instanceof ConnectTimeoutException || cause instanceof TimeoutException) {
            // the socket did not open, or the pool gave no connection, within connect-timeout
            return "could not connect within " + config.connectTimeout().toMillis() + " ms";
        }
        if (cause instanceof ConnectException) {
            return "connection refused or unreachable" + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
        }
        if (cause instanceof IOException || cause instanceof VertxException) {
            // a TLS handshake or certificate failure, the connection closed before the answer
            return "connection error: " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        }
        return "error: " + cause;
    }

    private static String problem(Answer answer) {
        int status = answer.status();
        if (status >= 300 && status < 400) {
            return "the receiver answered a redirect (" + status + (answer.location() == null ? "" : " to " + answer.location())
                    + "), which is not followed; set the endpoint's URL to its final location";
        }
        return "the receiver answered " + status;
    }

    /** {@code Retry-After} in seconds or as an HTTP date (on 429 and 503, say). */
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
