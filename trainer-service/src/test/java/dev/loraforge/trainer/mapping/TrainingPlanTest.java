package dev.loraforge.trainer.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.engine.data.ChatMessage;
import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.events.EventSamples;
import dev.loraforge.events.JobDispatched;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The golden dispatch sample's chat template arguments reach the plan, and a template renders with them. */
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
}
