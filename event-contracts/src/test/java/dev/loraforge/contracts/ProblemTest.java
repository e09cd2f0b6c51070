package dev.loraforge.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.loraforge.contracts.artifactstore.ParentRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProblemTest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    record Body(List<ParentRef> parents) {
    }

    @Test
    void aJsonRefusalNamesTheFieldAndTheKnownOnes() {
        var unknown = catchThrowableOfType(UnrecognizedPropertyException.class,
                () -> JSON.readValue("{\"parents\":[{\"id\":\"a\",\"relation\":\"r\"},{\"id\":\"b\",\"rel\":\"x\"}]}", Body.class));
        Problem p = Problem.invalidJson(unknown);
        assertThat(p.status()).isEqualTo(400);
        assertThat(p.type()).isEqualTo("urn:loraforge:problem:invalid-json");
        assertThat(p.code()).isEqualTo("invalid_json");
        assertThat(p.param()).isEqualTo("parents[1].rel");
        assertThat(p.detail()).contains("unknown field 'parents[1].rel'").contains("id, relation");
        assertThat(p.errors()).extracting(Problem.Violation::field).containsExactly("parents[1].rel");

        var broken = catchThrowableOfType(JsonProcessingException.class, () -> JSON.readTree("{\"a\": "));
        Problem q = Problem.invalidJson(broken);
        assertThat(q.errors()).isNull();
        assertThat(q.detail()).startsWith("the body is not the expected JSON: ");
    }

    @Test
    void absentMembersAreLeftOutOfTheJson() throws Exception {
        String json = JSON.writeValueAsString(Problem.of(404, "not-found", "no such artifact"));
        assertThat(JSON.readTree(json).fieldNames()).toIterable()
                .containsExactlyInAnyOrder("type", "title", "status", "detail");
        assertThat(JSON.readTree(json).path("title").asText()).isEqualTo("Not Found");
    }
}
