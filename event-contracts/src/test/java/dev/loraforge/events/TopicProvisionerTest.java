package dev.loraforge.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.kafka.LocalKafka;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;

class TopicProvisionerTest {

    @Test
    void createsMissingTopicsWithTheirPartitionsOnceAndOnlyOnce() throws Exception {
        try (LocalKafka kafka = LocalKafka.startOnFreePorts()) {
            assertThat(TopicProvisioner.ensure(kafka.bootstrapServers(), Topics.ALL, (short) 1, 10_000))
                    .hasSize(Topics.ALL.size());
            assertThat(TopicProvisioner.ensure(kafka.bootstrapServers(), Topics.ALL, (short) 1, 10_000)).isEmpty();

            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Map<String, TopicDescription> topics = admin.describeTopics(
                        Topics.ALL.stream().map(Topics.TopicSpec::name).toList()).allTopicNames().get();
                for (Topics.TopicSpec spec : Topics.ALL) {
                    assertThat(topics.get(spec.name()).partitions()).as(spec.name()).hasSize(spec.partitions());
                }
            }
        }
    }

    @Test
    void theDeploymentStepCreatesTheTopicsAndReadinessWaitsForThem() throws Exception {
        try (LocalKafka kafka = LocalKafka.startOnFreePorts();
             KafkaReadinessCheckProbe readiness = new KafkaReadinessCheckProbe(kafka.bootstrapServers())) {
            var before = readiness.check.call();
            assertThat(before.getStatus()).as("a broker without the platform's topics: not ready").isEqualTo(
                    org.eclipse.microprofile.health.HealthCheckResponse.Status.DOWN);
            assertThat(String.valueOf(before.getData().orElseThrow().get("reason")))
                    .contains("topics missing").contains(Topics.JOB_DISPATCH).contains("TopicProvisioner");

            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            int status = TopicProvisioner.run(new String[] {"--wait", "30"}, kafka.bootstrapServers(),
                    new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
            assertThat(status).as("exit status; stderr: %s", err).isZero();
            assertThat(out.toString()).contains("created [" + Topics.JOB_DISPATCH).contains("0 already there");
            // the broker's metadata may show the new topics a moment after they were created: readiness is polled
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
            var health = readiness.check.call().getStatus();
            while (health != org.eclipse.microprofile.health.HealthCheckResponse.Status.UP && System.nanoTime() < deadline) {
                Thread.sleep(200);
                health = readiness.check.call().getStatus();
            }
            assertThat(health).isEqualTo(org.eclipse.microprofile.health.HealthCheckResponse.Status.UP);

            out.reset();
            assertThat(TopicProvisioner.run(new String[] {"--bootstrap-servers", kafka.bootstrapServers()}, null,
                    new java.io.PrintStream(out, true), System.err)).isZero();
            assertThat(out.toString()).as("idempotent").contains("created [], " + Topics.ALL.size() + " already there");
        }
    }

    @Test
    void theDeploymentStepSaysWhatIsWrongWithItsArgumentsOrTheBroker() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream errors = new java.io.PrintStream(err, true);
        assertThat(TopicProvisioner.run(new String[0], null, System.out, errors)).isEqualTo(TopicProvisioner.USAGE);
        assertThat(err.toString()).contains("--bootstrap-servers is required").contains("usage:");
        err.reset();
        assertThat(TopicProvisioner.run(new String[] {"--replication-factor", "x"}, "h:1", System.out, errors))
                .isEqualTo(TopicProvisioner.USAGE);
        err.reset();
        assertThat(TopicProvisioner.run(new String[] {"--wait", "0"}, "127.0.0.1:1", System.out, errors))
                .isEqualTo(TopicProvisioner.UNREACHABLE);
        assertThat(err.toString()).contains("cannot create Kafka topics on 127.0.0.1:1");
    }

    /** The services' readiness check on a broker, closed after the test. */
    private static final class KafkaReadinessCheckProbe implements AutoCloseable {
        final dev.loraforge.events.platform.KafkaReadinessCheck check;

        KafkaReadinessCheckProbe(String servers) {
            this.check = new dev.loraforge.events.platform.KafkaReadinessCheck(servers);
        }

        @Override
        public void close() throws Exception {
            java.lang.reflect.Method close = check.getClass().getDeclaredMethod("close");
            close.setAccessible(true);
            close.invoke(check);
        }
    }

    @Test
    void unreachableBrokerIsAClearError() {
        assertThatThrownBy(() -> TopicProvisioner.ensure("127.0.0.1:1", Topics.ALL, (short) 1, 1500))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot create Kafka topics on 127.0.0.1:1");
    }
}
