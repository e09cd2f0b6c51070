package dev.loraforge.trainer.service;

import dev.loraforge.engine.train.CancellationToken;
import dev.loraforge.trainer.repository.Attempt;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The stop switch of one running attempt. The engine polls {@link #token()} before every optimizer
 * update, so a stop takes effect before the next step. Why it stopped decides what is reported.
 */
public final class RunControl {

    /** Why a running attempt stops early, strongest first: a stronger reason replaces a weaker one. */
    public enum Stop {
        /** A newer attempt of the job was dispatched: stop and report nothing more. */
        SUPERSEDED,
        /** The tenant cancelled: stop, report CANCELLED. */
        CANCEL,
        /** The tenant paused: checkpoint, stop, report PAUSED. */
        PAUSE,
        /** This worker is shutting down: checkpoint, stop, hand the attempt back to the pool. */
        SHUTDOWN
    }

    private final Attempt.Key key;
    private final CancellationToken token = new CancellationToken();
    private final AtomicReference<Stop> reason = new AtomicReference<>();
    private volatile long step;
    private volatile Long stepAtRequest;

    public RunControl(Attempt.Key key) {
        this.key = key;
    }

    public Attempt.Key key() {
        return key;
    }

    public CancellationToken token() {
        return token;
    }

    /** Asks the attempt to stop for {@code why}; returns whether this changed the reason. */
    public boolean stop(Stop why) {
        while (true) {
            Stop current = reason.get();
            if (current != null && current.ordinal() <= why.ordinal()) {
                return false;
            }
            if (reason.compareAndSet(current, why)) {
                if (current == null) {
                    stepAtRequest = step;
                }
                token.cancel();
                return true;
            }
        }
    }

    /** Why it was asked to stop, or null. */
    public Stop reason() {
        return reason.get();
    }

    public boolean stopRequested() {
        return reason.get() != null;
    }

    /** Optimizer updates done so far (kept current by the progress listener). */
    public long step() {
        return step;
    }

    void step(long value) {
        step = value;
    }

    /** The step reached when the first stop request arrived, or null. */
    public Long stepAtRequest() {
        return stepAtRequest;
    }
}
