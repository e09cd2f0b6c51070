package dev.loraforge.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every golden sample decodes into its record and encodes back to the same JSON. */
class EventSamplesTest {

    @ParameterizedTest
    @EnumSource(EventType.class)
    void sampleRoundTrips(EventType type) {
        String json = EventSamples.json(type);

        EventEnvelope<?> event = EventCodec.decode(json);

        assertThat(event.data()).isInstanceOf(type.payload());
        assertThat(event.eventType()).isEqualTo(type);
        assertThat(event.specversion()).isEqualTo("1.0");
        JsonNode again = EventCodec.tree(EventCodec.encode(event));
        assertThat(again).isEqualTo(EventCodec.tree(json));
        assertThat(EventCodec.decode(EventCodec.encode(event))).isEqualTo(event);
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void sampleTravelsOnItsTopic(EventType type) {
        assertThat(Topics.ALL).extracting(Topics.TopicSpec::name).contains(type.topic());
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void typedDecodeRefusesAnotherType(EventType type) {
        EventType other = EventType.values()[(type.ordinal() + 1) % EventType.values().length];
        assertThatThrownBy(() -> EventCodec.decode(EventSamples.json(type), other.payload()))
                .isInstanceOf(EventFormatException.class)
                .hasMessageContaining(other.type());
    }
}
