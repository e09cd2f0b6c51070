package dev.loraforge.trainer.service;

import java.time.Duration;

/**
 * Thins out STEP progress: a step is reported when at least {@code interval} passed since the last
 * reported one, and the first and the last step of a run always are. Not thread-safe (one per run).
 */
public final class ProgressThrottle {

    private final long intervalNanos;
    private long lastNanos;
    private boolean any;

    public ProgressThrottle(Duration interval) {
        this.intervalNanos = Math.max(0, interval.toNanos());
    }

    /** Whether step {@code step} of {@code total}, finished at {@code nowNanos} (System.nanoTime), is reported. */
    public boolean report(long step, long total, long nowNanos) {
        if (!any || step >= total || nowNanos - lastNanos >= intervalNanos) {
            any = true;
            lastNanos = nowNanos;
            return true;
        }
        return false;
    }
}
