package dev.loraforge.contracts.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.contracts.ContractSamples;
import org.junit.jupiter.api.Test;

class InferenceContractTest {

    private static void roundTrip(String sample, Class<?> type) {
        Object value = ContractSamples.read(sample, type);
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(sample), ContractSamples.toJson(value)))
                .as(sample).isEmpty();
    }

    @Test
    void everySampleReadsAsItsRecordAndWritesBackInTheSameShape() {
        roundTrip(ContractSamples.GENERATE_REQUEST, GenerateRequest.class);
        roundTrip(ContractSamples.GENERATION, Generation.class);
        roundTrip(ContractSamples.EVENT_DELTA, GenerationEvent.class);
        roundTrip(ContractSamples.EVENT_DONE, GenerationEvent.class);
        roundTrip(ContractSamples.EVENT_ERROR, GenerationEvent.class);
        GenerateRequest request = ContractSamples.read(ContractSamples.GENERATE_REQUEST, GenerateRequest.class);
        assertThat(request.messages()).extracting(GenerateRequest.Message::role).containsExactly("system", "user");
        assertThat(request.chatTemplateKwargs()).containsEntry("enable_thinking", false);
        assertThat(request.n()).isEqualTo(2);
        assertThat(request.logprobs()).isEqualTo(2);
        Generation generation = ContractSamples.read(ContractSamples.GENERATION, Generation.class);
        assertThat(generation.choices()).extracting(Generation.Choice::completionTokens).containsExactly(2, 1);
        assertThat(generation.choices().get(0).logprobs().get(0).topLogprobs()).hasSize(2);
        assertThat(ContractSamples.json(ContractSamples.INFERENCE_PROBLEM).path("code").asText())
                .isEqualTo("context_length_exceeded");
    }

    @Test
    void theEventFactoriesWriteExactlyTheSampleFields() {
        TokenLogprob arr = new TokenLogprob("Arr", -0.25, java.util.List.of(65, 114, 114),
                java.util.List.of(new TokenLogprob.Alternative("Arr", -0.25, java.util.List.of(65, 114, 114))));
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.EVENT_DELTA),
                ContractSamples.toJson(GenerationEvent.delta(0, "Arr", java.util.List.of(arr))))).isEmpty();
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.EVENT_DELTA),
                ContractSamples.toJson(GenerationEvent.delta(1, "Arr", null)))).isEmpty(); // logprobs not asked for
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.EVENT_DONE),
                ContractSamples.toJson(GenerationEvent.done(0, "stop", 3, 4)))).isEmpty();
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.EVENT_ERROR),
                ContractSamples.toJson(GenerationEvent.error("internal_error", "boom")))).isEmpty();
        assertThat(ContractSamples.toJson(GenerationEvent.delta(0, "Arr", null)).has("finish_reason")).isFalse();
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.EVENT_DONE),
                ContractSamples.toJson(GenerationEvent.delta(0, "Arr", null)))).isNotEmpty();
    }
}
