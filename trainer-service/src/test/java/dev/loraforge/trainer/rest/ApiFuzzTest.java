package dev.loraforge.trainer.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.contracts.auth.ServiceAuth;
import dev.loraforge.contracts.fuzz.FuzzRun;
import dev.loraforge.contracts.fuzz.RequestFuzzer.Route;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.trainer.OperatorToken;
import dev.loraforge.trainer.support.Jobs;
import dev.loraforge.trainer.support.StandInArtifactStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bounded, seeded fuzz of trainer-service's operator API with a valid service token (event-contracts'
 * {@code RequestFuzzer}; {@code -Dfuzz.seed}, {@code -Dfuzz.internal-requests}): never a 5xx, every 4xx a problem.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class ApiFuzzTest {

    @Test
    void noRequestGetsA5xxAndEveryRefusalIsAProblem() {
        Map<String, List<String>> known = Map.of("jobId", List.of(Jobs.newJobId()));
        List<Route> routes = List.of(Route.of("GET", "/api/v1/attempts/{jobId}", List.of(), null));
        FuzzRun.Result result = FuzzRun.internalApi(known, routes, 400,
                () -> ServiceAuth.operatorAuthorization(OperatorToken.AUDIENCE));
        assertThat(result.statuses()).as("unknown jobs are refused with 404").containsKey("GET /api/v1/attempts/{jobId} 404");
    }
}
