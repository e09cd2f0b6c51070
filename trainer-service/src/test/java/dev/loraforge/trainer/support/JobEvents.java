package dev.loraforge.trainer.support;

import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventHeaders;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.JobProgress;
import dev.loraforge.events.Topics;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.kafka.TopicProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The trainer's events about one job as an outside consumer (job-api) sees them on the real
 * broker: waiting for a particular event, and reading everything published so far.
 */
public final class JobEvents {

    private static final Duration TRAINING = Duration.ofSeconds(90);

    private final String jobId;
    private final TopicProbe probe = new TopicProbe(KafkaBrokerResource.broker().bootstrapServers());

    public JobEvents(String jobId) {
        this.jobId = jobId;
    }

    /** Publishes on {@code topic} keyed by the job id, as job-api does. */
    public void publish(String topic, String json) {
        probe.publish(topic, jobId, json);
    }

    /** Waits for the job's outcome (training included). */
    public JobOutcome awaitOutcome() {
        List<String> found = probe.await(Topics.JOB_OUTCOME, this::ofThisJob, 1, TRAINING);
        if (found.isEmpty()) {
            throw new AssertionError("no outcome of " + jobId + " within " + TRAINING + "; progress so far: " + progress());
        }
        return EventCodec.decode(found.get(0), JobOutcome.class).data();
    }

    /** Waits for the outcome of the job's attempt {@code attempt}. */
    public JobOutcome awaitOutcome(int attempt) {
        List<String> found = probe.await(Topics.JOB_OUTCOME,
                v -> ofThisJob(v) && EventCodec.decode(v, JobOutcome.class).data().attempt() == attempt, 1, TRAINING);
        if (found.isEmpty()) {
            throw new AssertionError("no outcome of " + jobId + " attempt " + attempt + " within " + TRAINING
                    + "; progress so far: " + progress());
        }
        return EventCodec.decode(found.get(0), JobOutcome.class).data();
    }

    /** Waits for a progress event of the job that matches. */
    public JobProgress awaitProgress(Predicate<JobProgress> match) {
        List<String> found = probe.await(Topics.JOB_PROGRESS,
                v -> ofThisJob(v) && match.test(EventCodec.decode(v, JobProgress.class).data()), 1, TRAINING);
        if (found.isEmpty()) {
            throw new AssertionError("no matching progress of " + jobId + " within " + TRAINING + "; progress so far: "
                    + progress());
        }
        return EventCodec.decode(found.get(0), JobProgress.class).data();
    }

    /** Waits up to {@code wait} for {@code count} progress events of one kind; returns those found (fewer on timeout). */
    public List<JobProgress> awaitProgress(JobProgress.Kind kind, int count, Duration wait) {
        return probe.await(Topics.JOB_PROGRESS, v -> ofThisJob(v) && EventCodec.decode(v, JobProgress.class).data().kind() == kind,
                count, wait).stream().map(v -> EventCodec.decode(v, JobProgress.class).data()).toList();
    }

    /** Every progress event of the job published so far, in order. */
    public List<JobProgress> progress() {
        return readAll(Topics.JOB_PROGRESS).stream().map(v -> EventCodec.decode(v, JobProgress.class).data()).toList();
    }

    /** Every progress event of one kind published so far, in order. */
    public List<JobProgress> progress(JobProgress.Kind kind) {
        return progress().stream().filter(p -> p.kind() == kind).toList();
    }

    /** Every outcome of the job published so far. */
    public List<JobOutcome> outcomes() {
        return readAll(Topics.JOB_OUTCOME).stream().map(v -> EventCodec.decode(v, JobOutcome.class).data()).toList();
    }

    /** Every checkpoint event of the job published so far, in order. */
    public List<CheckpointSaved> checkpoints() {
        return readAll(Topics.CHECKPOINTS).stream().map(v -> EventCodec.decode(v, CheckpointSaved.class).data()).toList();
    }

    private boolean ofThisJob(String value) {
        return value.contains("\"subject\":\"" + jobId + "\"");
    }

    /**
     * The values of this job's records on {@code topic} up to the topic's current end. The job's
     * records share one partition (keyed by job id), so they come in the order they were sent.
     */
    private List<String> readAll(String topic) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", KafkaBrokerResource.broker().bootstrapServers(),
                "group.id", "events-" + UUID.randomUUID(), "enable.auto.commit", "false"),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("cannot read " + topic + " to its end");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (jobId.equals(r.key()) && r.value() != null) {
                        if (!EventHeaders.isStructured(r.headers())) { // every trainer event, in every test
                            throw new AssertionError("a record on " + topic + " without the CloudEvents content-type"
                                    + " header (structured mode): " + r);
                        }
                        values.add(r.value());
                    }
                }
            }
        }
        return values;
    }
}
