package dev.loraforge.quant.service;

import dev.loraforge.quant.config.QuantConfig;
import dev.loraforge.quant.config.WorkerIdentity;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Keeps runs alive and finds the abandoned ones: refreshes the heartbeat of the pairs this process
 * runs every {@code quant.heartbeat-interval}, and at start and every {@code quant.sweep-interval}
 * queues the pairs nobody works on (pending, or running under an expired lease, e.g. left by a
 * process that died mid-run).
 */
@ApplicationScoped
public class QuantizationSweeper {

    private static final Logger LOG = Logger.getLogger(QuantizationSweeper.class);

    private final QuantizationLedger ledger;
    private final QuantizationWorker worker;
    private final WorkerIdentity identity;
    private final QuantConfig config;

    public QuantizationSweeper(QuantizationLedger ledger, QuantizationWorker worker, WorkerIdentity identity,
                               QuantConfig config) {
        this.ledger = ledger;
        this.worker = worker;
        this.identity = identity;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        LOG.infof("quantization worker %s (engine %s, %d at a time, lease %s)", identity.owner(), identity.engineVersion(),
                config.concurrency(), config.leaseTimeout());
        scheduledSweep();
    }

    @Scheduled(every = "{quant.sweep-interval}", delayed = "{quant.sweep-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledSweep() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.warnf("sweep for abandoned quantizations failed: %s", e.getMessage());
        }
    }

    /**
     * Queues every pair nobody works on.
     *
     * @return how many were found
     */
    public int sweep() {
        var keys = ledger.unattended(config.leaseTimeout());
        if (!keys.isEmpty()) {
            LOG.infof("queueing %d unattended quantization(s): %s", keys.size(), keys);
        }
        keys.forEach(worker::submit);
        return keys.size();
    }

    @Scheduled(every = "{quant.heartbeat-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void heartbeat() {
        try {
            ledger.heartbeat(identity.owner(), worker.inFlight());
        } catch (RuntimeException e) {
            LOG.warnf("heartbeat failed: %s", e.getMessage());
        }
    }
}
