package dev.loraforge.jobapi.messaging;

import dev.loraforge.events.EventHeaders;
import dev.loraforge.events.platform.TraceContext;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/** Sends one outbox record to its topic and waits for the broker's acknowledgement. */
@ApplicationScoped
public class OutboxPublisher {

    private static final long ACK_TIMEOUT_SECONDS = 20;

    private final Emitter<String> emitter;

    public OutboxPublisher(@Channel(Channels.OUTBOX) @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
                           Emitter<String> emitter) {
        this.emitter = emitter;
    }

    /**
     * @param traceparent the trace the record is part of (its {@code traceparent} header names a publish span under
     *                    it), or null
     * @throws IllegalStateException when Kafka did not acknowledge the record
     */
    public void publish(String topic, String key, String payload, String traceparent) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        emitter.send(TraceContext.continuing(Message.of(payload)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withHeaders(EventHeaders.structured())
                        .withTopic(topic).withKey(key).build()), traceparent)
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        try {
            acked.get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing to " + topic, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka refused the record: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge within " + ACK_TIMEOUT_SECONDS + " s", e);
        }
    }
}
