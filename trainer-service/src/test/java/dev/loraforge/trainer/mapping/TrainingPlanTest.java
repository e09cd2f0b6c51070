package dev.loraforge.trainer.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.engine.data.ChatMessage;
import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.settings.JobSettings;
import dev.loraforge.engine.train.LrSchedule;
import dev.loraforge.events.EventSamples;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.MethodSpec;
import dev.loraforge.trainer.service.JobFailure;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A dispatched job becomes the engine's settings by translation only: the values job-api resolved with
 * {@link JobSettings} are the ones trained with, and a dispatch missing one fails naming it instead of defaulting.
 * The golden dispatch sample's chat template arguments reach the plan, and a template renders with them.
 */
class TrainingPlanTest {

    @Test
    void chatTemplateKwargsOfTheDispatchAreThePlans() {
        JobDispatched sample = EventSamples.sample(JobDispatched.class).data();
        TrainingPlan plan = TrainingPlan.of(sample);
        assertThat(plan.chatTemplateKwargs()).containsExactlyEntriesOf(java.util.Map.of("enable_thinking", false));

        ChatTemplate template = new ChatTemplate("{{ messages[0].content }}{% if enable_thinking is false %} /no_think"
                + "{% endif %}", null, null);
        List<ChatMessage> messages = List.of(new ChatMessage("user", "hi", false));
        assertThat(template.render(messages, false, plan.chatTemplateKwargs())).isEqualTo("hi /no_think");

        JobDispatched without = new JobDispatched(sample.jobId(), sample.tenantId(), 1, sample.model(), sample.baseModel(),
                null, sample.trainingFile(), null, sample.method(), sample.hyperparameters(), 1, null, null);
        assertThat(TrainingPlan.of(without).chatTemplateKwargs()).isEmpty();
        assertThat(template.render(messages, false, TrainingPlan.of(without).chatTemplateKwargs())).isEqualTo("hi");
    }

    private static JobDispatched withMethod(MethodSpec method) {
        JobDispatched s = EventSamples.sample(JobDispatched.class).data();
        return new JobDispatched(s.jobId(), s.tenantId(), 1, s.model(), s.baseModel(), null, s.trainingFile(), null, method,
                s.hyperparameters(), s.seed(), null, null);
    }

    @Test
    void theResolvedDefaultsAreWhatTheTrainerTrainsWithForEveryFamilyAndMethod() {
        for (String family : Family.modelTypes()) {
            for (String type : List.of(JobSettings.LORA, JobSettings.QLORA)) {
                JobSettings.Adapter resolved = JobSettings.adapter(
                        new JobSettings.AdapterRequest(type, null, null, null, null, null, null, null), family);
                LoraConfig lora = resolved.lora();
                TrainingPlan plan = TrainingPlan.of(withMethod(new MethodSpec(type, lora.r(), lora.alpha(), lora.dropout(),
                        lora.targetModules(), lora.useRslora(), resolved.quantization() == null ? null
                        : resolved.quantization().id(), null)));
                assertThat(plan.lora()).as(family + " " + type).isEqualTo(lora);
                assertThat(plan.lora().alpha()).isEqualTo(16.0);
                assertThat(plan.lora().dropout()).isEqualTo(0.05);
                assertThat(plan.scheme()).isEqualTo(type.equals(JobSettings.QLORA) ? QuantScheme.NF4_DQ : null);
            }
        }
        JobSettings.Adapter prefix = JobSettings.adapter(
                new JobSettings.AdapterRequest("prefix", null, null, null, null, null, null, null), "llama");
        assertThat(TrainingPlan.of(withMethod(new MethodSpec("prefix", null, null, null, null, null, null,
                prefix.numVirtualTokens()))).virtualTokens()).isEqualTo(JobSettings.DEFAULT_VIRTUAL_TOKENS);
    }

    @Test
    void theEnginesRunConfigurationIsJobSettingsOwn() {
        JobDispatched sample = EventSamples.sample(JobDispatched.class).data();
        var h = sample.hyperparameters();
        JobSettings.Training training = new JobSettings.Training(h.nEpochs(), h.batchSize(), h.learningRate(), h.seqLen(),
                h.warmupRatio(), LrSchedule.Kind.parse(h.scheduler()), h.gradientAccumulation(), h.checkpointEvery());
        assertThat(TrainingPlan.of(sample).trainConfig(100)).isEqualTo(training.trainConfig(100, sample.seed()));
        assertThat(TrainingPlan.of(sample).trainConfig(100).schedule()).isEqualTo(LrSchedule.Kind.COSINE);
        assertThat(TrainingPlan.of(sample).trainConfig(100).warmupSteps()).as("ceil(0.1 x 75 steps)").isEqualTo(8);
    }

    @Test
    void aDispatchMissingASettingFailsNamingItInsteadOfDefaulting() {
        assertThatThrownBy(() -> TrainingPlan.of(withMethod(new MethodSpec("lora", 8, null, 0.05, List.of("q_proj"), false,
                null, null))))
                .isInstanceOfSatisfying(JobFailure.class, e -> assertThat(e.code()).isEqualTo(JobFailure.INVALID_METHOD))
                .hasMessageContaining("alpha is missing");
        assertThatThrownBy(() -> TrainingPlan.of(withMethod(new MethodSpec("qlora", 8, 16.0, 0.05, List.of("q_proj"), false,
                null, null))))
                .isInstanceOf(JobFailure.class).hasMessageContaining("quantization is missing");
        assertThatThrownBy(() -> TrainingPlan.of(withMethod(new MethodSpec("prefix", null, null, null, null, null, null,
                null))))
                .isInstanceOf(JobFailure.class).hasMessageContaining("num_virtual_tokens is missing");
    }
}
