package dev.loraforge.quant.service;

import dev.loraforge.quant.config.QuantConfig;
import dev.loraforge.quant.config.WorkerIdentity;
import dev.loraforge.quant.repository.Quantization;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs quantizations on a pool of {@code quant.concurrency} threads. A pair is run by whoever claims
 * its row first (across processes); within this process a pair is queued at most once. Each run ends
 * with the row succeeded or failed and every waiting requester answered; a run that breaks off
 * without that (a crash, Kafka unreachable) leaves the row {@code running}, and once its heartbeat is
 * older than {@code quant.lease-timeout} the {@link QuantizationSweeper} hands it to a worker again.
 */
@ApplicationScoped
public class QuantizationWorker {

    private static final Logger LOG = Logger.getLogger(QuantizationWorker.class);

    private final QuantizationLedger ledger;
    private final QuantizationPipeline pipeline;
    private final WorkerIdentity identity;
    private final QuantConfig config;
    private final Set<Quantization.Key> inFlight = ConcurrentHashMap.newKeySet();
    private ExecutorService executor;
    private volatile boolean stopping;

    public QuantizationWorker(QuantizationLedger ledger, QuantizationPipeline pipeline, WorkerIdentity identity,
                              QuantConfig config) {
        this.ledger = ledger;
        this.pipeline = pipeline;
        this.identity = identity;
        this.config = config;
    }

    @PostConstruct
    void start() {
        if (config.concurrency() < 1) {
            throw new IllegalArgumentException("quant.concurrency is " + config.concurrency() + "; it must be at least 1");
        }
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newFixedThreadPool(config.concurrency(), r -> {
            Thread t = new Thread(r, "quantizer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues the pair unless this process already has it queued or running. */
    public void submit(Quantization.Key key) {
        if (stopping || !inFlight.add(key)) {
            return;
        }
        try {
            executor.execute(() -> run(key));
        } catch (RejectedExecutionException e) {
            inFlight.remove(key);
        }
    }

    /** Pairs queued or running in this process (their rows' heartbeats are kept fresh). */
    public Set<Quantization.Key> inFlight() {
        return Set.copyOf(inFlight);
    }

    private void run(Quantization.Key key) {
        String owner = identity.owner();
        try {
            var claimed = ledger.claim(key, owner, config.leaseTimeout());
            if (claimed.isEmpty()) {
                return; // done, failed, or run by a live process
            }
            LOG.infof("pair %s: run %d by %s", key, claimed.get().attempt(), owner);
            long start = System.nanoTime();
            QuantizationResult result;
            try {
                result = pipeline.run(claimed.get());
            } catch (QuantizationFailure f) {
                fail(key, owner, f, start);
                return;
            } catch (RuntimeException e) {
                LOG.errorf(e, "pair %s: unexpected failure", key);
                fail(key, owner, new QuantizationFailure(QuantizationFailure.INTERNAL, "quantization broke off unexpectedly: "
                        + e + "; see the quant-service log, then request again", true, e), start);
                return;
            }
            var answered = ledger.succeed(key, owner, result);
            LOG.infof("pair %s: succeeded as %s; answered %s", key, result.quantizedModel().id(), answered);
        } catch (RuntimeException e) {
            LOG.errorf(e, "pair %s: could not record the run's end; the row is retried once its lease expires", key);
        } finally {
            inFlight.remove(key);
        }
    }

    private void fail(Quantization.Key key, String owner, QuantizationFailure f, long start) {
        if (stopping) {
            LOG.infof("pair %s: stopped by shutdown (%s); handed back for the next process", key, f.getMessage());
            return;
        }
        if (f.code().equals(QuantizationFailure.INTERNAL) || f.code().equals(QuantizationFailure.ARTIFACT_STORE_UNAVAILABLE)) {
            LOG.warnf("pair %s failed: %s %s", key, f.code(), f.getMessage());
        } else {
            LOG.infof("pair %s failed: %s %s", key, f.code(), f.getMessage());
        }
        var answered = ledger.fail(key, owner, f, (System.nanoTime() - start) / 1_000_000, identity.engineVersion());
        LOG.infof("pair %s: answered %s with %s", key, answered, f.code());
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("quantizations still running at shutdown; their rows are taken over once the lease expires");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            int released = ledger.release(identity.owner());
            if (released > 0) {
                LOG.infof("handed %d running quantization(s) back as pending", released);
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not hand running quantizations back: %s", e.getMessage());
        }
    }
}
