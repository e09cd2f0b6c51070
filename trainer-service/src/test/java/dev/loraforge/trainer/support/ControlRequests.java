package dev.loraforge.trainer.support;

import static org.awaitility.Awaitility.await;

import dev.loraforge.events.JobControl;
import dev.loraforge.events.Topics;
import dev.loraforge.trainer.repository.CancelledJobRepository;
import io.quarkus.arc.Arc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.time.Duration;

/**
 * Control requests as job-api sends them. The trainer reads {@code loraforge.job.control} from the
 * latest offset in a group of its own, so a request published before its consumer has taken its
 * partitions is never seen (as in production, where every replica reads control events from the
 * time it joined). {@link #cancelRecorded} therefore repeats a cancel until the trainer has
 * recorded it; after that the consumer is known to be reading, and single requests arrive.
 */
public final class ControlRequests {

    private ControlRequests() {
    }

    /** Publishes one control request. */
    public static void publish(JobEvents events, String jobId, JobControl.Action action) {
        events.publish(Topics.JOB_CONTROL, Jobs.json(new JobControl(jobId, action, "requested by the test")));
    }

    /** Publishes a cancel of {@code jobId} (again every second) until the trainer has recorded it in {@code cancelled_jobs}. */
    public static void cancelRecorded(JobEvents events, String jobId) {
        CancelledJobRepository cancelled = Arc.container().instance(CancelledJobRepository.class).get();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            if (QuarkusTransaction.requiringNew().call(() -> cancelled.contains(jobId))) {
                return true;
            }
            publish(events, jobId, JobControl.Action.CANCEL);
            return false;
        });
    }

    /** Makes sure the trainer's control consumer reads the topic (once per test JVM). */
    public static synchronized void awaitConsumerReading() {
        if (!reading) {
            String probeJob = Jobs.newJobId();
            cancelRecorded(new JobEvents(probeJob), probeJob);
            reading = true;
        }
    }

    private static boolean reading;
}
