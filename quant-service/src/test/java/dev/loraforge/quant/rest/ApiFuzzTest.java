package dev.loraforge.quant.rest;

import static dev.loraforge.quant.support.StandInArtifactStore.STORE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.contracts.auth.ServiceAuth;
import dev.loraforge.contracts.fuzz.FuzzRun;
import dev.loraforge.contracts.fuzz.RequestFuzzer.Route;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.quant.OperatorToken;
import dev.loraforge.quant.support.StandInArtifactStore;
import dev.loraforge.quant.support.TinyModels;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bounded, seeded fuzz of every quant-service route with a valid service token (event-contracts'
 * {@code RequestFuzzer}; {@code -Dfuzz.seed}, {@code -Dfuzz.internal-requests}): never a 5xx, every 4xx a problem.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class ApiFuzzTest {

    @Test
    void noRequestGetsA5xxAndEveryRefusalIsAProblem() throws Exception {
        ArtifactRef base = STORE.registerBaseModel("tiny-fz", TinyModels.model(23), null);
        Map<String, List<String>> known = Map.of(
                "digest", List.of(base.digest()),
                "id", List.of(base.id()),
                "name", List.of("tiny-fz"),
                "scheme", List.of("nf4", "nf4-dq", "int8"));
        List<Route> routes = List.of(
                Route.of("POST", "/api/v1/quantizations", List.of(), "{\"base_model_name\":\"{name}\",\"scheme\":\"{scheme}\"}"),
                Route.of("POST", "/api/v1/quantizations", List.of(),
                        "{\"base_model\":{\"id\":\"{id}\",\"digest\":\"{digest}\"},\"scheme\":\"{scheme}\"}"),
                Route.of("GET", "/api/v1/quantizations/{digest}/{scheme}", List.of(), null),
                Route.of("GET", "/api/v1/quantizations", List.of("status", "base_digest", "limit"), null));

        FuzzRun.Result result = FuzzRun.internalApi(known, routes, 800,
                () -> ServiceAuth.operatorAuthorization(OperatorToken.AUDIENCE));
        assertThat(result.routesServed()).as("routes whose valid requests were served").isGreaterThanOrEqualTo(3);
    }
}
