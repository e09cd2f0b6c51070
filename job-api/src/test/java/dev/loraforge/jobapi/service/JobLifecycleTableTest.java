package dev.loraforge.jobapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.jobapi.repository.JobEntity;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class JobLifecycleTableTest {

    private static JobEntity job(JobStatus status) {
        JobEntity job = new JobEntity();
        job.id = "ftjob-test";
        job.status = status.wire();
        return job;
    }

    @Test
    void anEndedJobGoesNowhereAndARefusedMoveWritesNothing() {
        for (JobStatus end : EnumSet.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)) {
            assertThat(end.terminal()).isTrue();
            for (JobStatus next : JobStatus.values()) {
                JobEntity job = job(end);
                assertThat(JobLifecycle.move(job, next, "test")).as(end + " -> " + next).isFalse();
                assertThat(job.status).isEqualTo(end.wire());
            }
        }
    }

    @Test
    void theTableAllowsTheJobFlowAndNothingReturnsToValidation() {
        JobEntity job = new JobEntity();
        job.id = "ftjob-flow";
        JobLifecycle.start(job);
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        // dispatched, trains, paused by the tenant, resumed as a new attempt, trains again, succeeds
        for (JobStatus next : new JobStatus[] {JobStatus.RUNNING, JobStatus.RUNNING, JobStatus.PAUSED, JobStatus.QUEUED,
                JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED}) {
            assertThat(JobLifecycle.move(job, next, "flow")).as(job.status + " -> " + next.wire()).isTrue();
            assertThat(job.status).isEqualTo(next.wire());
        }
        for (JobStatus from : JobStatus.values()) {
            assertThat(from.allows(JobStatus.VALIDATING_FILES)).as(from + " -> validating_files").isFalse();
            assertThat(from.allows(JobStatus.CANCELLED)).as(from + " -> cancelled").isEqualTo(!from.terminal());
        }
        JobEntity paused = job(JobStatus.PAUSED);
        assertThat(JobLifecycle.move(paused, JobStatus.RUNNING, "a late step event")).isFalse();
        assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
    }

    @Test
    void wireNamesAreOpenAisAndUnknownOnesAreRefused() {
        assertThat(JobStatus.VALIDATING_FILES.wire()).isEqualTo("validating_files");
        assertThat(JobStatus.fromWire("running")).isEqualTo(JobStatus.RUNNING);
        assertThatThrownBy(() -> JobStatus.fromWire("Running")).isInstanceOf(IllegalArgumentException.class);
    }
}
