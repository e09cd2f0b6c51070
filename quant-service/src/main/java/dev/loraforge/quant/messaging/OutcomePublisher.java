package dev.loraforge.quant.messaging;

import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventHeaders;
import dev.loraforge.events.QuantizationOutcome;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Sends quantization outcomes keyed by (base digest, scheme), waiting for the broker's ack. */
@ApplicationScoped
public class OutcomePublisher {

    private final Emitter<String> outcomes;

    public OutcomePublisher(@Channel(Channels.QUANT_OUTCOMES) Emitter<String> outcomes) {
        this.outcomes = outcomes;
    }

    public void publish(QuantizationOutcome outcome) {
        String key = outcome.baseModel().digest() + "/" + outcome.scheme();
        String json = EventCodec.encode(EventCodec.envelope("/loraforge/quant-service", key, outcome));
        CompletableFuture<Void> acked = new CompletableFuture<>();
        outcomes.send(Message.of(json)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withHeaders(EventHeaders.structured())
                        .withKey(key).build())
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        try {
            acked.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        } catch (Exception e) {
            throw new IllegalStateException("quantization outcome not acknowledged by Kafka: " + e.getMessage(), e);
        }
    }
}
