package dev.loraforge.trainer.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.Topics;
import dev.loraforge.events.platform.TraceContext;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.kafka.TopicProbe;
import dev.loraforge.trainer.OperatorToken;
import dev.loraforge.trainer.support.Jobs;
import dev.loraforge.trainer.support.StandInArtifactStore;
import dev.loraforge.trainer.support.TrainingFixtures;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An attempt's trace through the trainer, on the real broker and database: a dispatch record with a W3C
 * {@code traceparent} (as job-api's relay sends it) is trained in a span of that trace (on a worker thread, after the
 * queue in PostgreSQL), and the attempt's progress and outcome records carry the same trace id.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class AttemptTraceTest {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    InMemorySpanExporter spans;

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String traceIdOf(ConsumerRecord<String, String> record) {
        Header h = record.headers().lastHeader(TraceContext.HEADER);
        return h == null ? null : TraceContext.traceId(new String(h.value(), StandardCharsets.UTF_8));
    }

    @Test
    void theAttemptTrainsAndReportsInTheDispatchsTrace() {
        String jobId = Jobs.newJobId();
        ArtifactRef training = TrainingFixtures.dataset("pirate-train.jsonl", TrainingFixtures.PIRATE_CHATS);
        JobDispatched job = Jobs.dispatched(jobId, training, null, Jobs.hyperparameters(1, 1e-2, 0));
        String traceId = hex(16);
        TopicProbe probe = new TopicProbe(KafkaBrokerResource.broker().bootstrapServers());
        probe.publish(Topics.JOB_DISPATCH, jobId, Jobs.json(job), Map.of(TraceContext.HEADER, "00-" + traceId + "-" + hex(8) + "-01"));

        List<ConsumerRecord<String, String>> outcome = probe.awaitRecords(Topics.JOB_OUTCOME, v -> v.contains(jobId), 1, WAIT);
        assertThat(outcome).hasSize(1);
        assertThat(outcome.get(0).value()).contains("\"succeeded\"");
        assertThat(traceIdOf(outcome.get(0))).as("trace of the outcome record").isEqualTo(traceId);
        List<ConsumerRecord<String, String>> progress = probe.awaitRecords(Topics.JOB_PROGRESS,
                v -> v.contains(jobId) && v.contains("\"step\""), 1, WAIT);
        assertThat(progress).isNotEmpty();
        assertThat(traceIdOf(progress.get(0))).as("trace of a STEP record").isEqualTo(traceId);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<SpanData> trace = spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
            assertThat(trace).extracting(SpanData::getName).contains("train " + jobId + "#1");
            assertThat(trace).extracting(SpanData::getKind).contains(SpanKind.CONSUMER, SpanKind.PRODUCER);
            SpanData train = trace.stream().filter(s -> s.getName().equals("train " + jobId + "#1")).findFirst().orElseThrow();
            assertThat(train.getAttributes().asMap().toString()).contains(jobId);
        });
    }
}
