package dev.loraforge.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class EventHeadersTest {

    @Test
    void structuredRecordsSayCloudEventsJsonAndOthersDoNot() {
        var headers = EventHeaders.structured();
        assertThat(new String(headers.lastHeader("content-type").value(), StandardCharsets.UTF_8))
                .isEqualTo("application/cloudevents+json; charset=UTF-8");
        assertThat(EventHeaders.isStructured(headers)).isTrue();
        assertThat(EventHeaders.structured()).as("fresh headers per record").isNotSameAs(headers);
        assertThat(EventHeaders.isStructured(new RecordHeaders())).isFalse();
        assertThat(EventHeaders.isStructured(null)).isFalse();
        assertThat(EventHeaders.isStructured(new RecordHeaders().add("content-type",
                "application/json".getBytes(StandardCharsets.UTF_8)))).isFalse();
    }
}
