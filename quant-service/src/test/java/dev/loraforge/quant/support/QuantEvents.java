package dev.loraforge.quant.support;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.QuantizationOutcome;
import dev.loraforge.events.QuantizationRequested;
import dev.loraforge.events.Topics;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.kafka.TopicProbe;
import java.time.Duration;
import java.util.List;

/** Requests and outcomes on the real broker, as job-api sends and reads them. */
public final class QuantEvents {

    private static final TopicProbe KAFKA = new TopicProbe(KafkaBrokerResource.broker().bootstrapServers());

    private QuantEvents() {
    }

    /** Publishes a request keyed {@code <digest>/<scheme>}. */
    public static void request(String requestId, ArtifactRef base, String scheme) {
        QuantizationRequested r = new QuantizationRequested(requestId, base, "tiny", scheme, "job:ftjob-" + requestId);
        KAFKA.publish(Topics.QUANT_REQUEST, r.pairKey(), EventCodec.encode(EventCodec.envelope("/loraforge/job-api", r.pairKey(), r)));
    }

    /** Publishes a request for a base model private to {@code tenant}. */
    public static void requestPrivate(String requestId, ArtifactRef base, String scheme, String tenant) {
        QuantizationRequested r = new QuantizationRequested(requestId, base, "tiny", scheme, "job:ftjob-" + requestId, tenant);
        KAFKA.publish(Topics.QUANT_REQUEST, r.pairKey(), EventCodec.encode(EventCodec.envelope("/loraforge/job-api", r.pairKey(), r)));
    }

    /** Publishes a raw value (e.g. a golden sample or a broken event). */
    public static void publishRaw(String key, String value) {
        KAFKA.publish(Topics.QUANT_REQUEST, key, value);
    }

    /** Waits (up to 60 s) for the outcome that names {@code requestId}; fails when none comes. */
    public static QuantizationOutcome outcomeFor(String requestId) {
        List<String> found = KAFKA.await(Topics.QUANT_OUTCOME, v -> v.contains("\"" + requestId + "\""), 1, Duration.ofSeconds(60));
        if (found.isEmpty()) {
            throw new AssertionError("no quantization outcome names request " + requestId);
        }
        return EventCodec.decode(found.get(0), QuantizationOutcome.class).data();
    }

    /**
     * Every outcome so far about the pair: reads the topic for a few seconds (enough to see what was
     * already published; the callers first waited for the last outcome they expect).
     */
    public static List<QuantizationOutcome> outcomesOf(String digest, String scheme) {
        return KAFKA.await(Topics.QUANT_OUTCOME, v -> v.contains("\"" + digest + "/" + scheme + "\""), Integer.MAX_VALUE, Duration.ofSeconds(3))
                .stream().map(v -> EventCodec.decode(v, QuantizationOutcome.class).data()).toList();
    }
}
