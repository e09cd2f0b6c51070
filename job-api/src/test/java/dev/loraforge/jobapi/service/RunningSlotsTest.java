package dev.loraforge.jobapi.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.jobapi.repository.JobEntity;
import java.time.OffsetDateTime;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunningSlotsTest {

    private static JobEntity waiting(String tenant) {
        JobEntity job = new JobEntity();
        job.tenantId = tenant;
        job.status = "queued";
        job.statusDetail = JobService.WAITING_FOR_DISPATCH;
        return job;
    }

    @Test
    void aWaitingJobOfATenantWithoutAFreeSlotWaitsForCapacity() {
        RunningSlots slots = new RunningSlots();
        assertThat(slots.statusDetail(waiting("busy"))).as("before any dispatch").isEqualTo("waiting_for_dispatch");
        slots.fullAre(Set.of("busy"));
        assertThat(slots.statusDetail(waiting("busy"))).isEqualTo("waiting_for_capacity");
        assertThat(slots.statusDetail(waiting("light"))).isEqualTo("waiting_for_dispatch");

        JobEntity dispatched = waiting("busy");
        dispatched.dispatchedAt = OffsetDateTime.now();
        dispatched.statusDetail = "dispatched";
        assertThat(slots.statusDetail(dispatched)).isEqualTo("dispatched");
        JobEntity quantizing = waiting("busy");
        quantizing.statusDetail = "waiting_for_quantization";
        assertThat(slots.statusDetail(quantizing)).as("another wait is shown as it is").isEqualTo("waiting_for_quantization");

        slots.fullAre(Set.of());
        assertThat(slots.statusDetail(waiting("busy"))).as("a slot freed").isEqualTo("waiting_for_dispatch");
    }
}
