package dev.loraforge.engine.train;

import java.util.concurrent.atomic.AtomicBoolean;

/** Asks a running training loop to stop; it checks before each optimizer update. Thread-safe. */
public final class CancellationToken {

    private final AtomicBoolean cancelled = new AtomicBoolean();

    public void cancel() {
        cancelled.set(true);
    }

    public boolean isCancelled() {
        return cancelled.get();
    }
}
