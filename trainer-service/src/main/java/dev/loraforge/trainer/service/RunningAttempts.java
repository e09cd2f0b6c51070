package dev.loraforge.trainer.service;

import dev.loraforge.trainer.repository.Attempt;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/** The attempts this process is running now, so that control requests reach them at once. */
@ApplicationScoped
public class RunningAttempts {

    private static final Logger LOG = Logger.getLogger(RunningAttempts.class);

    private final Map<Attempt.Key, RunControl> running = new ConcurrentHashMap<>();

    RunControl register(Attempt.Key key) {
        RunControl control = new RunControl(key);
        running.put(key, control);
        return control;
    }

    void remove(Attempt.Key key) {
        running.remove(key);
    }

    /** Stops this process' attempts of {@code jobId} numbered below {@code belowAttempt}; returns how many were asked. */
    public int stop(String jobId, int belowAttempt, RunControl.Stop why) {
        int n = 0;
        for (RunControl c : running.values()) {
            if (c.key().jobId().equals(jobId) && c.key().attempt() < belowAttempt && c.stop(why)) {
                LOG.infof("attempt %s asked to stop (%s) at step %d", c.key(), why, c.step());
                n++;
            }
        }
        return n;
    }

    /** Stops every attempt of this process. */
    public void stopAll(RunControl.Stop why) {
        running.values().forEach(c -> c.stop(why));
    }

    public List<RunControl> all() {
        return List.copyOf(running.values());
    }
}
