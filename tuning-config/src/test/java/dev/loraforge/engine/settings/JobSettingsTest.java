package dev.loraforge.engine.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.lora.LoraInit;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.settings.JobSettings.AdapterRequest;
import dev.loraforge.engine.settings.JobSettings.TrainingRequest;
import dev.loraforge.engine.train.LrSchedule;
import dev.loraforge.engine.train.TrainConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A job's settings: every default filled, every value checked, each refusal naming its field. */
class JobSettingsTest {

    private static AdapterRequest adapter(String type, Integer r, Double alpha, Double dropout, List<String> targets,
                                          String quantization, Integer virtualTokens) {
        return new AdapterRequest(type, r, alpha, dropout, targets, null, quantization, virtualTokens);
    }

    private static void refused(AdapterRequest request, String field, String message) {
        assertThatThrownBy(() -> JobSettings.adapter(request, "llama"))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContaining(message);
    }

    @Test
    void anOmittedAdapterIsLoraR8Alpha16Dropout005OnTheFamilysDefaultModules() {
        JobSettings.Adapter a = JobSettings.adapter(null, "llama");
        assertThat(a.method()).isEqualTo("lora");
        assertThat(a.lora()).isEqualTo(new LoraConfig(8, 16.0, 0.05, List.of("q_proj", "v_proj"), false,
                LoraInit.KAIMING_UNIFORM));
        assertThat(a.quantization()).isNull();
        assertThat(JobSettings.adapter(AdapterRequest.defaults(), "phi3").lora().targetModules()).containsExactly("qkv_proj");
        assertThat(JobSettings.adapter(null, null).lora().targetModules()).as("no model_type known")
                .containsExactly("q_proj", "v_proj");
    }

    @Test
    void alphaDefaultsToTwiceTheRankAndGivenValuesAreKept() {
        assertThat(JobSettings.adapter(adapter(null, 4, null, null, null, null, null), "qwen2").lora().alpha()).isEqualTo(8.0);
        JobSettings.Adapter a = JobSettings.adapter(new AdapterRequest("lora", 16, 8.0, 0.0, List.of("all-linear"), true,
                null, null), "qwen3");
        assertThat(a.lora()).isEqualTo(new LoraConfig(16, 8.0, 0.0, List.of("all-linear"), true, LoraInit.KAIMING_UNIFORM));
    }

    @Test
    void qloraQuantizesWithNf4DqUnlessTold() {
        assertThat(JobSettings.adapter(adapter("qlora", null, null, null, null, null, null), "llama").quantization())
                .isEqualTo(QuantScheme.NF4_DQ);
        assertThat(JobSettings.adapter(adapter("qlora", null, null, null, null, "int8", null), "llama").quantization())
                .isEqualTo(QuantScheme.INT8);
        refused(adapter("qlora", null, null, null, null, "fp8", null), "adapter.quantization", "unknown quantization scheme 'fp8'");
        refused(adapter("lora", null, null, null, null, "nf4", null), "adapter.quantization", "applies to qlora adapters only");
    }

    @Test
    void prefixTuningHas16VirtualTokensAndNoLoraSettings() {
        JobSettings.Adapter p = JobSettings.adapter(adapter("prefix", null, null, null, null, null, null), "llama");
        assertThat(p.lora()).isNull();
        assertThat(p.numVirtualTokens()).isEqualTo(16);
        assertThat(JobSettings.adapter(adapter("prefix", null, null, null, null, null, 4), "llama").numVirtualTokens())
                .isEqualTo(4);
        refused(adapter("prefix", 8, null, null, null, null, null), "adapter.r", "not to prefix tuning");
        refused(adapter("prefix", null, null, null, null, null, 0), "adapter.num_virtual_tokens", "between 1 and 512");
        refused(adapter("lora", null, null, null, null, null, 8), "adapter.num_virtual_tokens", "prefix tuning only");
    }

    @Test
    void badValuesAreRefusedNamingTheField() {
        refused(adapter("dpo", null, null, null, null, null, null), "adapter.type", "one of [lora, qlora, prefix]");
        refused(adapter(null, 0, null, null, null, null, null), "adapter.r", "between 1 and 256");
        refused(adapter(null, 257, null, null, null, null, null), "adapter.r", "between 1 and 256");
        refused(adapter(null, null, -1.0, null, null, null, null), "adapter.alpha", "positive number");
        refused(adapter(null, null, Double.NaN, null, null, null, null), "adapter.alpha", "positive number");
        refused(adapter(null, null, null, 1.0, null, null, null), "adapter.dropout", "[0, 1)");
        refused(adapter(null, null, null, null, List.of("../../x"), null, null), "adapter.target_modules", "not a module name");
        refused(adapter(null, null, null, null, List.of("qkv_proj"), null, null), "adapter.target_modules",
                "'qkv_proj' is not a module of llama");
        refused(adapter(null, null, null, null, List.of("all-linear", "q_proj"), null, null), "adapter.target_modules",
                "all-linear alone");
    }

    @Test
    void autoTrainingIsThreeEpochsBatch4CosineWithWarmupAndQuarterlyCheckpoints() {
        JobSettings.Training t = JobSettings.training(null, 100);
        assertThat(t).isEqualTo(new JobSettings.Training(3, 4, 2e-4, 256, 0.1, LrSchedule.Kind.COSINE, 1, 19));
        assertThat(t.steps(100)).isEqualTo(75);
        TrainConfig engine = t.trainConfig(100, 7);
        assertThat(engine.maxSteps()).isEqualTo(75);
        assertThat(engine.warmupSteps()).isEqualTo(8);
        assertThat(engine.checkpointEvery()).isEqualTo(19);
        assertThat(engine.evalEvery()).isEqualTo(19);
        assertThat(engine.seed()).isEqualTo(7);
        assertThat(JobSettings.training(new TrainingRequest(2.0, 8.0, 0.5, 5.0), 10))
                .isEqualTo(new JobSettings.Training(2, 8, 1e-4, 256, 0.1, LrSchedule.Kind.COSINE, 1, 5));
    }

    @Test
    void trainingValuesOutOfRangeOrFractionalCountsAreRefused() {
        assertThatThrownBy(() -> JobSettings.training(new TrainingRequest(1.5, null, null, null), 10))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.field()).isEqualTo("hyperparameters.n_epochs"))
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> JobSettings.training(new TrainingRequest(null, 0.0, null, null), 10))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.field()).isEqualTo("hyperparameters.batch_size"));
        assertThatThrownBy(() -> JobSettings.training(new TrainingRequest(null, null, Double.NaN, null), 10))
                .isInstanceOfSatisfying(SettingsException.class,
                        e -> assertThat(e.field()).isEqualTo("hyperparameters.learning_rate_multiplier"));
        assertThatThrownBy(() -> JobSettings.training(new TrainingRequest(null, null, null, 0.0), 10))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.field()).isEqualTo("hyperparameters.checkpoint_every"));
    }
}
