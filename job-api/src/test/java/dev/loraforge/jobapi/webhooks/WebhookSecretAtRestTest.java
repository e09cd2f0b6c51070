package dev.loraforge.jobapi.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

/** Signing secrets are stored encrypted; ones stored before that are encrypted at start and read the same. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class WebhookSecretAtRestTest {

    @Inject
    EntityManager em;

    @Inject
    SecretEncryption encryption;

    private String stored(String id) {
        return QuarkusTransaction.requiringNew().call(() -> (String) em
                .createNativeQuery("SELECT secret FROM webhook_endpoints WHERE id = ?1").setParameter(1, id).getSingleResult());
    }

    private String read(String id) {
        return QuarkusTransaction.requiringNew().call(() -> em.find(WebhookEndpointEntity.class, id).secret);
    }

    @Test
    void theDatabaseHoldsCiphertextAndTheServiceTheSecret() {
        WebhookTestSupport.Tenant tenant = WebhookTestSupport.tenant("atrest");
        WebhookTestSupport.Endpoint endpoint = WebhookTestSupport.endpoint(tenant, "http://127.0.0.1:9/h",
                "[\"fine_tuning.job.succeeded\"]");
        assertThat(endpoint.secret()).startsWith("whsec_");
        String column = stored(endpoint.id());
        assertThat(column).startsWith("enc:v1:").doesNotContain(endpoint.secret())
                .doesNotContain(endpoint.secret().substring("whsec_".length()));
        assertThat(read(endpoint.id())).isEqualTo(endpoint.secret());

        // a secret stored in plain text before encryption at rest
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("UPDATE webhook_endpoints SET secret = ?1,"
                + " previous_secret = ?2 WHERE id = ?3").setParameter(1, "whsec_legacy").setParameter(2, "whsec_older")
                .setParameter(3, endpoint.id()).executeUpdate());
        assertThat(read(endpoint.id())).isEqualTo("whsec_legacy");
        assertThat(encryption.encryptPlaintext()).isGreaterThanOrEqualTo(1);
        assertThat(stored(endpoint.id())).startsWith("enc:v1:");
        assertThat(read(endpoint.id())).isEqualTo("whsec_legacy");
        assertThat(QuarkusTransaction.requiringNew().call(() -> em.find(WebhookEndpointEntity.class, endpoint.id())
                .previousSecret)).isEqualTo("whsec_older");
        assertThat(encryption.encryptPlaintext()).isZero();
    }
}
