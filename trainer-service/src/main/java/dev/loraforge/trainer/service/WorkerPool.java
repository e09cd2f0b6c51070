package dev.loraforge.trainer.service;

import dev.loraforge.trainer.config.TrainerConfig;
import dev.loraforge.trainer.config.WorkerIdentity;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * This process' workers: {@code trainer.concurrency} threads (default 1), each running one attempt
 * at a time. An idle worker claims the oldest pending attempt of the whole pool (any replica's
 * dispatch consumer may have recorded it) every {@code trainer.poll-interval}, or at once when this
 * process records a dispatch. Training never runs on a Kafka consumer thread, so a long run causes
 * no rebalance. At shutdown running attempts stop after their current step, store a checkpoint and
 * go back to the queue for another replica.
 */
@ApplicationScoped
public class WorkerPool {

    private static final Logger LOG = Logger.getLogger(WorkerPool.class);
    private static final long SHUTDOWN_WAIT_SECONDS = 60;

    private final AttemptService attempts;
    private final AttemptRunner runner;
    private final RunningAttempts running;
    private final WorkerIdentity worker;
    private final TrainerConfig config;
    private final Semaphore wakeups = new Semaphore(0);
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean open;

    public WorkerPool(AttemptService attempts, AttemptRunner runner, RunningAttempts running, WorkerIdentity worker,
                      TrainerConfig config) {
        this.attempts = attempts;
        this.runner = runner;
        this.running = running;
        this.worker = worker;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.concurrency() < 1) {
            throw new IllegalArgumentException("trainer.concurrency is " + config.concurrency() + "; it must be at least 1");
        }
        try {
            var reclaimed = attempts.reclaimInterrupted(worker);
            if (!reclaimed.isEmpty()) {
                LOG.infof("worker %s: %d interrupted attempt(s) of an earlier run handed back: %s", worker.id(),
                        reclaimed.size(), reclaimed);
            }
        } catch (RuntimeException e) {
            LOG.warnf("cannot look for interrupted attempts (their leases will expire instead): %s", e.getMessage());
        }
        open = true;
        for (int i = 0; i < config.concurrency(); i++) {
            Thread t = new Thread(this::work, "trainer-worker-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        LOG.infof("worker %s: %d training slot(s), polling every %s", worker.id(), config.concurrency(), config.pollInterval());
    }

    /** Wakes an idle worker (a dispatch was just recorded). */
    public void wake() {
        wakeups.release();
    }

    private void work() {
        while (open) {
            try {
                Optional<AttemptService.Claim> claim = attempts.claim(worker.id());
                if (claim.isPresent()) {
                    runner.run(claim.get());
                    continue;
                }
            } catch (RuntimeException e) {
                LOG.warnf("cannot claim an attempt (retrying): %s", e.getMessage());
            }
            try {
                wakeups.tryAcquire(config.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        open = false;
        running.stopAll(RunControl.Stop.SHUTDOWN);
        wakeups.release(threads.size());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SHUTDOWN_WAIT_SECONDS);
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (t.isAlive()) {
                LOG.warnf("%s still busy at shutdown; its attempt is left to the lease", t.getName());
            }
        }
    }
}
