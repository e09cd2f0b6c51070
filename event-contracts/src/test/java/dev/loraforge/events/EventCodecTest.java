package dev.loraforge.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private static final ArtifactRef REF = new ArtifactRef("model-1",
            "sha256:" + "a".repeat(64));

    @Test
    void envelopeCarriesCloudEventsAttributes() {
        JobControl control = new JobControl("ftjob-1", JobControl.Action.CANCEL, "user asked");

        EventEnvelope<JobControl> event = EventCodec.envelope("/loraforge/job-api", "ftjob-1", control);
        String json = EventCodec.encode(event);

        assertThat(event.type()).isEqualTo("dev.loraforge.job.control.v1");
        assertThat(event.id()).isNotBlank();
        assertThat(json).contains("\"specversion\":\"1.0\"", "\"action\":\"cancel\"", "\"job_id\":\"ftjob-1\"",
                "\"datacontenttype\":\"application/json\"");
        assertThat(EventCodec.decode(json, JobControl.class).data()).isEqualTo(control);
    }

    @Test
    void unknownFieldsAreIgnoredSoProducersCanAddFields() {
        String json = EventSamples.json(EventType.JOB_CONTROL)
                .replace("\"reason\"", "\"added_later\": 7, \"reason\"");

        assertThat(EventCodec.decode(json, JobControl.class).data().reason()).isEqualTo("cancelled by the tenant");
    }

    @Test
    void missingRequiredFieldIsNamed() {
        String json = EventSamples.json(EventType.JOB_PROGRESS).replace("\"worker_id\": \"worker-1\",", "");

        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(EventFormatException.class)
                .hasMessageContaining("JobProgress.worker_id is required");
    }

    @Test
    void unknownTypeIsRefusedWithTheKnownOnes() {
        String json = EventSamples.json(EventType.JOB_CONTROL).replace("job.control.v1", "job.teleport.v1");

        assertThatThrownBy(() -> EventCodec.decode(json))
                .isInstanceOf(EventFormatException.class)
                .hasMessageContaining("unknown event type 'dev.loraforge.job.teleport.v1'")
                .hasMessageContaining("dev.loraforge.job.control.v1");
    }

    @Test
    void notJsonIsRefused() {
        assertThatThrownBy(() -> EventCodec.decode("{not json"))
                .isInstanceOf(EventFormatException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void succeededOutcomeNeedsAnAdapterAndFailedNeedsAnError() {
        assertThatThrownBy(() -> new JobOutcome("j", 1, "w", JobOutcome.Status.SUCCEEDED, null, 0L, null, "0.1", null))
                .hasMessageContaining("JobOutcome.adapter is required");
        assertThatThrownBy(() -> new JobOutcome("j", 1, "w", JobOutcome.Status.FAILED, null, 0L, null, "0.1", null))
                .hasMessageContaining("JobOutcome.error is required");
        assertThatThrownBy(() -> new QuantizationOutcome(List.of("q"), REF, "nf4",
                QuantizationOutcome.Status.SUCCEEDED, null, 1L, 1L, 0.0, 1L, "0.1", null, null))
                .hasMessageContaining("quantized_model is required");
    }

    @Test
    void digestMustBeSha256Hex() {
        assertThatThrownBy(() -> new ArtifactRef("x", "md5:abc"))
                .hasMessageContaining("ArtifactRef.digest must be 'sha256:'");
    }

    @Test
    void quantizationKeyIsThePair() {
        QuantizationRequested request = EventSamples.sample(QuantizationRequested.class).data();
        assertThat(request.pairKey()).isEqualTo(request.baseModel().digest() + "/nf4-dq");
        assertThat(EventSamples.sample(QuantizationRequested.class).subject()).isEqualTo(request.pairKey());
    }

    @Test
    void attemptMustBePositive() {
        assertThatThrownBy(() -> new JobProgress("j", 0, "w", JobProgress.Kind.STEP,
                null, null, null, null, null, null, null, null, null))
                .hasMessageContaining("JobProgress.attempt must be >= 1, got 0");
    }
}
