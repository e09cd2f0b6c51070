package dev.loraforge.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Test helper: publishes string records to a real broker and waits for records on a topic, as an
 * outside producer or consumer would. Each probe reads a topic from the beginning in a group of its own.
 */
public final class TopicProbe {

    private final String bootstrapServers;

    public TopicProbe(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The content type of a structured-mode JSON CloudEvent (event-contracts' {@code EventHeaders}). */
    static final String CLOUDEVENTS_JSON = "application/cloudevents+json; charset=UTF-8";

    /**
     * Publishes one record and waits for the broker's acknowledgement. A CloudEvent (a value with a
     * {@code specversion}) goes out as the platform's producers send it, with the structured-mode
     * {@code content-type} header, so that consumers are tested on what they really receive.
     */
    public void publish(String topic, String key, String value) {
        publish(topic, key, value, Map.of());
    }

    /** As {@link #publish(String, String, String)}, with more headers (e.g. a W3C {@code traceparent}). */
    public void publish(String topic, String key, String value, Map<String, String> headers) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrapServers, "acks", "all"),
                new StringSerializer(), new StringSerializer())) {
            ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
            if (value != null && value.contains("\"specversion\"")) {
                record.headers().add("content-type", CLOUDEVENTS_JSON.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            headers.forEach((name, text) -> record.headers().add(name, text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            producer.send(record).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot publish to " + topic + ": " + e.getCause().getMessage(), e);
        }
    }

    /**
     * Reads {@code topic} from the beginning until {@code count} record values match, or the
     * timeout passes.
     *
     * @return the matching values (fewer than {@code count} on timeout)
     */
    public List<String> await(String topic, Predicate<String> match, int count, Duration timeout) {
        return awaitRecords(topic, match, count, timeout).stream().map(ConsumerRecord::value).toList();
    }

    /** As {@link #await}, the whole records (headers, key, partition). */
    public List<ConsumerRecord<String, String>> awaitRecords(String topic, Predicate<String> match, int count,
                                                             Duration timeout) {
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrapServers, "group.id", "probe-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest", "enable.auto.commit", "false"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (found.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(250))) {
                    if (record.value() != null && match.test(record.value())) {
                        found.add(record);
                    }
                }
            }
        }
        return found;
    }
}
