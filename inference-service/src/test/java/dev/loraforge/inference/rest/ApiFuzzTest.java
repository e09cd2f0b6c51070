package dev.loraforge.inference.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.contracts.auth.ServiceAuth;
import dev.loraforge.contracts.fuzz.FuzzRun;
import dev.loraforge.contracts.fuzz.RequestFuzzer.Route;
import dev.loraforge.inference.OperatorToken;
import dev.loraforge.inference.support.Fixtures;
import dev.loraforge.inference.support.StandInArtifactStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bounded, seeded fuzz of inference-service's API with a valid service token (event-contracts'
 * {@code RequestFuzzer}; {@code -Dfuzz.seed}, {@code -Dfuzz.internal-requests}): never a 5xx, every 4xx a problem.
 * Valid generations run on the tiny fixture model, a few tokens each.
 */
@QuarkusTest
@WithTestResource(StandInArtifactStore.class)
class ApiFuzzTest {

    @Test
    void noRequestGetsA5xxAndEveryRefusalIsAProblem() {
        String dataset = StandInArtifactStore.STORE.putBlob(("{\"prompt\":\"Say arr\",\"completion\":\" Arr!\"}\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, List<String>> known = Map.of(
                "base", List.of(Fixtures.baseDigest),
                "adapter", List.of(Fixtures.pirate.digest(), Fixtures.otherShapeDigest),
                "dataset", List.of(dataset));
        String chat = "{\"base_digest\":\"{base}\",\"base_model\":\"" + Fixtures.BASE_NAME + "\",\"adapter_digest\":"
                + "\"{adapter}\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":3,\"temperature\":0.5,"
                + "\"top_p\":0.9,\"seed\":1,\"stop\":[\"\\n\"],\"stream\":false,\"chat_template_kwargs\":{\"x\":true}}";
        String completion = "{\"base_digest\":\"{base}\",\"base_model\":\"" + Fixtures.BASE_NAME + "\",\"prompt\":\"Once\","
                + "\"max_tokens\":3,\"stream\":true}";
        List<Route> routes = List.of(
                Route.of("POST", "/internal/v1/generate", List.of(), chat),
                Route.of("POST", "/internal/v1/generate", List.of(), completion),
                Route.of("GET", "/internal/v1/loaded", List.of(), null),
                Route.of("POST", "/internal/v1/dataset-stats", List.of(), "{\"base_digest\":\"{base}\",\"training_digest\":"
                        + "\"{dataset}\",\"validation_digest\":\"{dataset}\",\"seq_len\":64,\"chat_template_kwargs\":{\"x\":1}}"),
                Route.of("GET", "/internal/v1/exports/gguf", List.of("base_digest={base}", "adapter_digest={adapter}",
                        "base_model=" + Fixtures.BASE_NAME, "name=ft:x"), null)
                        .withHeaders(Map.of("Range", "bytes=0-99")),
                Route.of("GET", "/internal/v1/exports/merged", List.of("base_digest={base}", "adapter_digest={adapter}"), null));
        FuzzRun.Result result = FuzzRun.internalApi(known, routes, 800,
                () -> ServiceAuth.operatorAuthorization(OperatorToken.AUDIENCE));
        assertThat(result.routesServed()).as("routes whose valid requests were served").isGreaterThanOrEqualTo(3);
    }
}
