package dev.loraforge.jobapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.jobapi.rest.ApiException;
import dev.loraforge.jobapi.rest.CreateJobRequest.AdapterOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * target_modules follow the base model's family: PEFT's default when omitted, refused with a 400 naming the field
 * when the family lacks them.
 */
class TargetModulesTest {

    private static List<String> targets(List<String> requested, String modelType) {
        return JobService.resolveAdapter(new AdapterOptions(null, null, null, null, requested, null, null, null), modelType)
                .targetModules();
    }

    @Test
    void omittedTargetsAreTheFamilysPeftDefault() {
        assertThat(targets(null, "phi3")).containsExactly("qkv_proj");
        assertThat(targets(null, "gemma3_text")).containsExactly("q_proj", "v_proj");
        assertThat(targets(null, "llama")).containsExactly("q_proj", "v_proj");
        assertThat(targets(null, null)).as("a base registered without model_type").containsExactly("q_proj", "v_proj");
    }

    @Test
    void namedTargetsMustExistInTheFamily() {
        assertThat(targets(List.of("qkv_proj", "gate_up_proj"), "phi3")).containsExactly("qkv_proj", "gate_up_proj");
        assertThat(targets(List.of("all-linear"), "qwen3")).containsExactly("all-linear");
        assertThatThrownBy(() -> targets(List.of("q_proj", "v_proj"), "phi3"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("adapter.target_modules");
                })
                .hasMessageContaining("'q_proj' is not a module of phi3")
                .hasMessageContaining("qkv_proj");
        assertThatThrownBy(() -> targets(List.of("gate_up_proj"), "llama"))
                .isInstanceOf(ApiException.class).hasMessageContaining("'gate_up_proj' is not a module of llama");
    }

    @Test
    void aPathOrAnUnknownNameIsRefusedBeforeTheJobExists() {
        assertThatThrownBy(() -> targets(List.of("../../x"), "llama"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("adapter.target_modules"))
                .hasMessageContaining("adapter.target_modules[0] is not a module name");
        assertThatThrownBy(() -> targets(List.of("model.layers.0.mlp.up_proj"), null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("adapter.target_modules"))
                .hasMessageContaining("'model.layers.0.mlp.up_proj' is not valid");
        assertThatThrownBy(() -> targets(List.of(), "llama"))
                .isInstanceOf(ApiException.class).hasMessageContaining("at least one module");
    }
}
