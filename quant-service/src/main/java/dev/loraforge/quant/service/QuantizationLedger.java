package dev.loraforge.quant.service;

import dev.loraforge.events.QuantizationOutcome;
import dev.loraforge.events.QuantizationRequested;
import dev.loraforge.quant.mapping.OutcomeMapper;
import dev.loraforge.quant.messaging.OutcomePublisher;
import dev.loraforge.quant.repository.Quantization;
import dev.loraforge.quant.repository.QuantizationRepository;
import dev.loraforge.quant.repository.QuantizationStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Every change of a pair's row, each in one transaction with the row locked, so that requests and
 * the run meet in one order: a request either joins the waiting list before the run completes (and
 * is named on its outcome) or sees the completed row (and is answered from it).
 *
 * <p>A run's outcome is published before its transaction commits: when the commit fails, the row is
 * still {@code running}, its lease expires and a retry publishes again (consumers apply an outcome
 * idempotently). Never the other way round, which could lose the waiting requesters.
 */
@ApplicationScoped
public class QuantizationLedger {

    private static final Logger LOG = Logger.getLogger(QuantizationLedger.class);

    /** What taking a request led to. */
    public record Intake(Quantization row, QuantizationOutcome answerNow, boolean runNeeded) {
    }

    private final QuantizationRepository repository;
    private final OutcomePublisher publisher;

    public QuantizationLedger(QuantizationRepository repository, OutcomePublisher publisher) {
        this.repository = repository;
        this.publisher = publisher;
    }

    /**
     * Records a request on its pair's row: a done pair answers it at once (succeeded, or failed for a
     * reason a retry cannot fix); otherwise it joins the waiting list, and a pair that is not running
     * (new, or failed for a passing reason) becomes {@code pending}. {@code runNeeded} asks the
     * caller to hand the pair to a worker, whose claim succeeds only when nobody live runs it.
     */
    @Transactional
    public Intake record(QuantizationRequested request) {
        var key = new Quantization.Key(request.baseModel().digest(), request.scheme(), request.tenantId());
        OffsetDateTime now = now();
        repository.insertIfAbsent(key, request.baseModel().id(), request.baseModelName(), now);
        Quantization q = repository.lock(key);
        q.requestCount++;
        q.updatedAt = now;
        if (q.baseName == null && request.baseModelName() != null) {
            q.baseName = request.baseModelName();
        }
        switch (q.status) {
            case SUCCEEDED:
                return new Intake(q, OutcomeMapper.toOutcome(q, List.of(request.requestId())), false);
            case FAILED:
                if (!q.errorRetryable) {
                    return new Intake(q, OutcomeMapper.toOutcome(q, List.of(request.requestId())), false);
                }
                LOG.infof("pair %s failed before (%s); request %s tries again", key, q.errorCode, request.requestId());
                q.status = QuantizationStatus.PENDING;
                q.baseId = request.baseModel().id(); // the failure may have been about the id the first request named
                if (request.baseModelName() != null) {
                    q.baseName = request.baseModelName();
                }
                q.errorCode = null;
                q.errorMessage = null;
                q.errorRetryable = false;
                q.finishedAt = null;
                q.durationMs = null;
                q.addWaiting(request.requestId());
                return new Intake(q, null, true);
            case PENDING:
                q.addWaiting(request.requestId());
                return new Intake(q, null, true);
            case RUNNING:
            default:
                // a claim attempt is harmless: it only succeeds when the runner's lease has expired
                q.addWaiting(request.requestId());
                return new Intake(q, null, true);
        }
    }

    /** Takes the pair for {@code owner} when nobody runs it (pending, or a lease older than {@code leaseTimeout}). */
    @Transactional
    public Optional<ClaimedPair> claim(Quantization.Key key, String owner, Duration leaseTimeout) {
        OffsetDateTime now = now();
        if (!repository.claim(key, owner, now, now.minus(leaseTimeout))) {
            return Optional.empty();
        }
        Quantization q = repository.findById(key);
        return Optional.of(new ClaimedPair(key, q.baseId, q.baseName, q.attempts));
    }

    /**
     * Records the result of {@code owner}'s run and answers every waiting request. A run that lost its
     * lease (another process took the pair over) records nothing: the new owner answers.
     *
     * @return the request ids answered
     */
    @Transactional
    public List<String> succeed(Quantization.Key key, String owner, QuantizationResult result) {
        Quantization q = ownedRow(key, owner);
        if (q == null) {
            return List.of();
        }
        q.status = QuantizationStatus.SUCCEEDED;
        q.quantizedId = result.quantizedModel().id();
        q.quantizedDigest = result.quantizedModel().digest();
        q.bytesBefore = result.bytesBefore();
        q.bytesAfter = result.bytesAfter();
        q.meanAbsError = result.meanAbsError();
        q.durationMs = result.durationMs();
        q.engineVersion = result.engineVersion();
        q.errorCode = null;
        q.errorMessage = null;
        q.errorRetryable = false;
        return finish(q);
    }

    /** Records the failure of {@code owner}'s run and answers every waiting request with it. */
    @Transactional
    public List<String> fail(Quantization.Key key, String owner, QuantizationFailure failure, Long durationMs,
                             String engineVersion) {
        Quantization q = ownedRow(key, owner);
        if (q == null) {
            return List.of();
        }
        q.status = QuantizationStatus.FAILED;
        q.errorCode = failure.code();
        q.errorMessage = failure.getMessage();
        q.errorRetryable = failure.retryable();
        q.durationMs = durationMs;
        q.engineVersion = engineVersion;
        return finish(q);
    }

    private Quantization ownedRow(Quantization.Key key, String owner) {
        Quantization q = repository.lock(key);
        if (q == null || q.status != QuantizationStatus.RUNNING || !owner.equals(q.owner)) {
            LOG.warnf("pair %s is no longer run by %s (now %s, owner %s); its result is dropped", key, owner,
                    q == null ? "gone" : q.status.wireName(), q == null ? null : q.owner);
            return null;
        }
        return q;
    }

    private List<String> finish(Quantization q) {
        OffsetDateTime now = now();
        q.owner = null;
        q.heartbeatAt = null;
        q.finishedAt = now;
        q.updatedAt = now;
        List<String> waiting = q.waiting();
        q.waitingRequestIds = new String[0];
        if (!waiting.isEmpty()) {
            publisher.publish(OutcomeMapper.toOutcome(q, waiting));
        }
        return waiting;
    }

    /** Refreshes the heartbeat of the pairs {@code owner} is running. */
    @Transactional
    public int heartbeat(String owner, Collection<Quantization.Key> keys) {
        return keys.isEmpty() ? 0 : repository.heartbeat(owner, keys, now());
    }

    /** Pairs nobody works on: pending, or running under a lease older than {@code leaseTimeout}. */
    @Transactional
    public List<Quantization.Key> unattended(Duration leaseTimeout) {
        return repository.unattended(now().minus(leaseTimeout));
    }

    /** Hands the pairs {@code owner} runs back as pending (clean shutdown: the next process starts them at once). */
    @Transactional
    public int release(String owner) {
        return repository.release(owner, now());
    }

    @Transactional
    public Optional<Quantization> find(Quantization.Key key) {
        return repository.findByIdOptional(key);
    }

    @Transactional
    public List<Quantization> search(QuantizationStatus status, String baseDigest, int limit) {
        return repository.search(status, baseDigest, limit);
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
}
