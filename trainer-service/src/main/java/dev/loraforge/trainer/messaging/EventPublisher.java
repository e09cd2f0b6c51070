package dev.loraforge.trainer.messaging;

import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventHeaders;
import dev.loraforge.events.EventType;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.JobProgress;
import dev.loraforge.events.Topics;
import dev.loraforge.events.platform.TraceContext;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Sends this worker's events as CloudEvents keyed by job id (so one job's events stay in order in
 * one partition). {@link #send} waits for the broker's ack; {@link #progressInBackground} does not,
 * so training never waits on Kafka for a step report or a heartbeat.
 */
@ApplicationScoped
public class EventPublisher {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);
    private static final String SOURCE = "/loraforge/trainer-service";
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    private final Emitter<String> progress;
    private final Emitter<String> checkpoints;
    private final Emitter<String> outcomes;

    public EventPublisher(@Channel(Channels.JOB_PROGRESS) Emitter<String> progress,
                          @Channel(Channels.JOB_CHECKPOINTS) Emitter<String> checkpoints,
                          @Channel(Channels.JOB_OUTCOMES) Emitter<String> outcomes) {
        this.progress = progress;
        this.checkpoints = checkpoints;
        this.outcomes = outcomes;
    }

    /** The CloudEvents JSON of a payload (what is sent, and what the attempt row keeps until it is sent). */
    public static String encode(String workerId, String jobId, Object payload) {
        return EventCodec.encode(EventCodec.envelope(SOURCE + "/" + workerId, jobId, payload));
    }

    /** The topic a payload travels on. */
    public static String topicOf(Object payload) {
        return EventType.of(payload.getClass()).topic();
    }

    /** Publishes a progress event and waits for the ack. */
    public void progress(JobProgress event) {
        send(Topics.JOB_PROGRESS, event.jobId(), encode(event.workerId(), event.jobId(), event));
    }

    /** Publishes a checkpoint event and waits for the ack. */
    public void checkpoint(CheckpointSaved event) {
        send(Topics.CHECKPOINTS, event.jobId(), encode(event.workerId(), event.jobId(), event));
    }

    /** Publishes an outcome and waits for the ack. */
    public void outcome(JobOutcome event) {
        send(Topics.JOB_OUTCOME, event.jobId(), encode(event.workerId(), event.jobId(), event));
    }

    /** Hands a progress event to the producer without waiting; a failure is logged, never thrown. */
    public void progressInBackground(JobProgress event) {
        String json = encode(event.workerId(), event.jobId(), event);
        try {
            progress.send(message(event.jobId(), json, null, TraceContext.current()));
        } catch (RuntimeException e) { // e.g. the emitter's buffer is full while Kafka is away
            LOG.warnf("progress of %s not sent: %s", event.jobId(), e.getMessage());
        }
    }

    /** Publishes an encoded event on {@code topic} under the current trace and waits for the broker's ack. */
    public void send(String topic, String key, String json) {
        send(topic, key, json, TraceContext.current());
    }

    /**
     * Publishes an encoded event on {@code topic} as part of the trace {@code traceparent} names (null: none) and
     * waits for the broker's ack.
     */
    public void send(String topic, String key, String json, String traceparent) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        emitter(topic).send(message(key, json, acked, traceparent));
        try {
            acked.get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        } catch (Exception e) {
            throw new IllegalStateException("event not acknowledged by Kafka: " + e.getMessage(), e);
        }
    }

    private Emitter<String> emitter(String topic) {
        return switch (topic) {
            case Topics.JOB_PROGRESS -> progress;
            case Topics.CHECKPOINTS -> checkpoints;
            case Topics.JOB_OUTCOME -> outcomes;
            default -> throw new IllegalArgumentException("trainer-service does not publish on " + topic);
        };
    }

    /** The record; its {@code traceparent} header names a publish span under {@code traceparent}'s trace. */
    private static Message<String> message(String key, String json, CompletableFuture<Void> acked, String traceparent) {
        return TraceContext.continuing(Message.of(json)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withHeaders(EventHeaders.structured())
                        .withKey(key).build()), traceparent)
                .withAck(() -> {
                    if (acked != null) {
                        acked.complete(null);
                    }
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    if (acked != null) {
                        acked.completeExceptionally(failure);
                    } else {
                        LOG.warnf("progress event not acknowledged by Kafka: %s", failure.getMessage());
                    }
                    return CompletableFuture.completedFuture(null);
                });
    }
}
