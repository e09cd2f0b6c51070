package dev.loraforge.jobapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.jobapi.rest.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** target_modules follow the base model's family: PEFT's default when omitted, refused when the family lacks them. */
class TargetModulesTest {

    @Test
    void omittedTargetsAreTheFamilysPeftDefault() {
        assertThat(JobService.resolveTargets(null, "phi3")).containsExactly("qkv_proj");
        assertThat(JobService.resolveTargets(null, "gemma3_text")).containsExactly("q_proj", "v_proj");
        assertThat(JobService.resolveTargets(null, "llama")).containsExactly("q_proj", "v_proj");
        assertThat(JobService.resolveTargets(null, null)).as("a base registered without model_type").containsExactly("q_proj", "v_proj");
    }

    @Test
    void namedTargetsMustExistInTheFamily() {
        assertThat(JobService.resolveTargets(List.of("qkv_proj", "gate_up_proj"), "phi3")).containsExactly("qkv_proj", "gate_up_proj");
        assertThat(JobService.resolveTargets(List.of("all-linear"), "qwen3")).containsExactly("all-linear");
        assertThatThrownBy(() -> JobService.resolveTargets(List.of("q_proj", "v_proj"), "phi3"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("adapter.target_modules");
                })
                .hasMessageContaining("'q_proj' is not a module of phi3")
                .hasMessageContaining("qkv_proj");
        assertThatThrownBy(() -> JobService.resolveTargets(List.of("gate_up_proj"), "llama"))
                .isInstanceOf(ApiException.class).hasMessageContaining("'gate_up_proj' is not a module of llama");
    }
}
