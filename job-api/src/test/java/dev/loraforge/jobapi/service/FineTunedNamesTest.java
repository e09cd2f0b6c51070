package dev.loraforge.jobapi.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.jobapi.repository.JobEntity;
import org.junit.jupiter.api.Test;

class FineTunedNamesTest {

    private static JobEntity job(String suffix) {
        JobEntity job = new JobEntity();
        job.id = "ftjob-AbC123";
        job.model = "tiny-llama";
        job.tenantId = "tenant-acme";
        job.suffix = suffix;
        return job;
    }

    @Test
    void namesAreOpenAisFtBaseOrgSuffixId() {
        assertThat(FineTunedNames.model(job("pirate"))).isEqualTo("ft:tiny-llama:tenant-acme:pirate:AbC123");
        assertThat(FineTunedNames.model(job(null))).isEqualTo("ft:tiny-llama:tenant-acme::AbC123");
        assertThat(FineTunedNames.checkpoint(job("pirate"), 40)).isEqualTo("ft:tiny-llama:tenant-acme:pirate:AbC123:ckpt-step-40");
    }
}
