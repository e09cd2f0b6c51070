package dev.loraforge.contracts.artifactstore;

import io.smallrye.faulttolerance.api.Guard;
import jakarta.ws.rs.ProcessingException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

/**
 * The fault tolerance of calls to artifact-store (SmallRye Fault Tolerance): a failure that may pass
 * ({@link ArtifactStoreException#retryable()}: no answer, 5xx, 408, 429, a damaged transfer) is
 * retried with exponential backoff (0.5 s doubling to 15 s, with jitter) for up to
 * {@code retryFor}; a refusal (4xx) is thrown at once. A circuit breaker stops hammering a store
 * that keeps failing (opens after 75% of the last 8 calls failed, probes again after 5 s); while it
 * is open calls wait in the retry loop instead of failing. An optional timeout bounds each try.
 *
 * <p>Whatever escapes is an {@link ArtifactStoreException}: the client's own failures (no
 * connection, a timeout, an open circuit) become status 0 or 503 with the reason.
 */
public final class ArtifactStoreGuard {

    private static final System.Logger LOG = System.getLogger(ArtifactStoreGuard.class.getName());

    private final Guard guard;

    /**
     * @param name     names the circuit breaker and the log lines ({@code trainer-artifact-store-calls})
     * @param retryFor how long a failing call is retried (under 100 ms: never)
     * @param timeout  the most one try may take, null for no limit (streamed transfers of any size)
     */
    public ArtifactStoreGuard(String name, Duration retryFor, Duration timeout) {
        Guard.Builder builder = Guard.create().withDescription(name);
        long retryMillis = retryFor.toMillis();
        if (retryMillis >= 100) {
            // SmallRye checks delay < maxDelay < maxDuration and jitter < delay
            long delay = Math.min(500, retryMillis / 4);
            builder.withRetry()
                    .maxRetries(-1)
                    .maxDuration(retryMillis, ChronoUnit.MILLIS)
                    .delay(delay, ChronoUnit.MILLIS)
                    .jitter(delay / 5, ChronoUnit.MILLIS)
                    .withExponentialBackoff().factor(2).maxDelay(Math.min(15_000, retryMillis / 2), ChronoUnit.MILLIS).done()
                    .whenException(ArtifactStoreGuard::retryable)
                    .beforeRetry((Throwable e) -> LOG.log(System.Logger.Level.WARNING,
                            name + ": " + e.getMessage() + "; retrying"))
                    .done();
        }
        builder.withCircuitBreaker()
                .name(name)
                .requestVolumeThreshold(8)
                .failureRatio(0.75)
                .delay(5, ChronoUnit.SECONDS)
                .successThreshold(1)
                .when(ArtifactStoreGuard::countsAsFailure)
                .done();
        if (timeout != null) {
            builder.withTimeout().duration(timeout.toMillis(), ChronoUnit.MILLIS).done();
        }
        this.guard = builder.build();
    }

    /** Runs {@code call} under the guard; failures come out as {@link ArtifactStoreException}. */
    @SuppressWarnings("unchecked")
    public <T> T call(Supplier<T> call) {
        try {
            return (T) guard.get(() -> translated(call), Object.class);
        } catch (ArtifactStoreException e) {
            throw e;
        } catch (CircuitBreakerOpenException e) {
            throw new ArtifactStoreException("artifact-store kept failing, so calls to it are paused for a few"
                    + " seconds (circuit breaker open)", 503, e);
        } catch (TimeoutException e) {
            throw new ArtifactStoreException("artifact-store did not answer in time", 0, e);
        }
    }

    /** Runs {@code call} under the guard. */
    public void run(Runnable call) {
        call(() -> {
            call.run();
            return null;
        });
    }

    /** The REST client's own failures (connection refused, reset, read timeout) as status 0. */
    private static <T> T translated(Supplier<T> call) {
        try {
            return call.get();
        } catch (ProcessingException e) {
            if (e.getCause() instanceof ArtifactStoreException a) {
                throw a;
            }
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ArtifactStoreException("artifact-store did not answer: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), 0, e);
        }
    }

    static boolean retryable(Throwable e) {
        return e instanceof ArtifactStoreException a ? a.retryable()
                : e instanceof CircuitBreakerOpenException || e instanceof TimeoutException;
    }

    /** Only failures of the store count against it: a refused request says nothing about its health. */
    private static boolean countsAsFailure(Throwable e) {
        return e instanceof ArtifactStoreException a ? a.retryable() : e instanceof TimeoutException;
    }
}
