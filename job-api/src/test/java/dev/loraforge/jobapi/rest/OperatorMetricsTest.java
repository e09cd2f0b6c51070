package dev.loraforge.jobapi.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.jobapi.metrics.OperatorMetrics;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The queue depth per tenant at /q/metrics, read from the open jobs' index (V19). */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class OperatorMetricsTest {

    @Inject
    OperatorMetrics metrics;
    @Inject
    MeterRegistry registry;
    @Inject
    EntityManager db;

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    @Test
    void queuedAndRunningJobsAreCountedPerTenantAndEndedOnesDropOut() {
        TestTenants.Tenant a = TestTenants.actAs(TestTenants.create("metrics-a"));
        String file = JobFlowTest.upload(JobFlowTest.DATA);
        String first = JobFlowTest.createJob(file);
        JobFlowTest.createJob(file);
        JobFlowTest.createJob(file);
        TestTenants.Tenant b = TestTenants.actAs(TestTenants.create("metrics-b"));
        String other = JobFlowTest.createJob(JobFlowTest.upload(JobFlowTest.DATA));
        // one of a's jobs training, b's only job ended
        QuarkusTransaction.requiringNew().run(() -> {
            db.createQuery("update JobEntity set status = 'running' where id = ?1").setParameter(1, first).executeUpdate();
            db.createQuery("update JobEntity set status = 'cancelled' where id = ?1").setParameter(1, other).executeUpdate();
        });

        QuarkusTransaction.requiringNew().run(metrics::read);

        assertThat(gauge("loraforge.jobs.queued", a.id())).isEqualTo(2.0);
        assertThat(gauge("loraforge.jobs.running", a.id())).isEqualTo(1.0);
        assertThat(registry.find("loraforge.jobs.queued").tag("tenant", b.id()).gauge()).as("no open job").isNull();
        assertThat(registry.find("loraforge.jobs.running").tag("tenant", b.id()).gauge()).isNull();
    }

    private double gauge(String name, String tenant) {
        Gauge gauge = registry.find(name).tag("tenant", tenant).gauge();
        assertThat(gauge).as(name + " of " + tenant).isNotNull();
        return gauge.value();
    }
}
