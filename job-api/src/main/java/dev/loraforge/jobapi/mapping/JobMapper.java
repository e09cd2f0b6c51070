package dev.loraforge.jobapi.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.jobapi.mapping.ApiObjects.CheckpointObject;
import dev.loraforge.jobapi.mapping.ApiObjects.EventObject;
import dev.loraforge.jobapi.mapping.ApiObjects.FileObject;
import dev.loraforge.jobapi.mapping.ApiObjects.JobError;
import dev.loraforge.jobapi.mapping.ApiObjects.JobObject;
import dev.loraforge.jobapi.repository.CheckpointEntity;
import dev.loraforge.jobapi.repository.FileEntity;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobEventEntity;
import dev.loraforge.jobapi.service.RunningSlots;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Entities to API objects; entities never go on the wire. */
@ApplicationScoped
public class JobMapper {

    private final ObjectMapper json;
    private final RunningSlots slots;

    public JobMapper(ObjectMapper json, RunningSlots slots) {
        this.json = json;
        this.slots = slots;
    }

    public FileObject file(FileEntity f) {
        return new FileObject(f.id, "file", f.bytes, f.createdAt.toEpochSecond(), f.filename, f.purpose,
                "processed", null);
    }

    public JobObject job(JobEntity j) {
        JsonNode adapter = read(j.method);
        JsonNode stored = read(j.hyperparameters);
        Map<String, Object> h = hyperparameters(stored);
        Map<String, Object> method = method(h, stored.path("beta").isNumber() ? stored.path("beta").asDouble() : null);
        JobError error = j.errorCode == null ? null : new JobError(j.errorCode, j.errorMessage, null);
        return new JobObject(j.id, "fine_tuning.job", j.model, j.createdAt.toEpochSecond(),
                j.finishedAt == null ? null : j.finishedAt.toEpochSecond(), j.fineTunedModel, j.tenantId,
                j.resultFileId == null ? List.of() : List.of(j.resultFileId),
                j.status, j.validationFile, j.trainingFile, h, j.trainedTokens, error, j.suffix, j.seed,
                j.estimatedFinish == null ? null : j.estimatedFinish.toEpochSecond(), List.of(), metadata(j), method,
                adapter, slots.statusDetail(j), j.attempt, j.chatTemplateKwargs == null ? null : read(j.chatTemplateKwargs));
    }

    /** OpenAI's {@code hyperparameters} of a job from its resolved ones (plus the {@code checkpoint_every} extension). */
    public Map<String, Object> hyperparameters(JsonNode hyper) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("n_epochs", hyper.path("n_epochs").asInt());
        h.put("batch_size", hyper.path("batch_size").asInt());
        h.put("learning_rate_multiplier", hyper.path("learning_rate").asDouble() / 2e-4);
        h.put("checkpoint_every", hyper.path("checkpoint_every").asInt());
        return h;
    }

    /**
     * OpenAI's {@code method}: supervised with the hyperparameters, or (with {@code beta}) dpo with the hyperparameters
     * and beta.
     */
    public static Map<String, Object> method(Map<String, Object> hyperparameters, Double beta) {
        if (beta == null) {
            return Map.of("type", "supervised", "supervised", Map.of("hyperparameters", hyperparameters));
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("beta", beta);
        h.putAll(hyperparameters);
        return Map.of("type", "dpo", "dpo", Map.of("hyperparameters", h));
    }

    private Map<String, String> metadata(JobEntity j) {
        Map<String, String> out = new LinkedHashMap<>();
        if (j.metadata != null) {
            read(j.metadata).fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    public CheckpointObject checkpoint(JobEntity job, CheckpointEntity c) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("step", c.step);
        read(c.metrics).fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().isNumber()
                ? e.getValue().numberValue() : e.getValue().asText()));
        String model = dev.loraforge.jobapi.service.FineTunedNames.checkpoint(job, c.step);
        return new CheckpointObject(c.id, "fine_tuning.job.checkpoint", c.createdAt.toEpochSecond(), model, job.id,
                metrics, c.step);
    }

    public EventObject event(JobEventEntity e) {
        return new EventObject(e.id, "fine_tuning.job.event", e.createdAt.toEpochSecond(), e.level, e.message,
                e.data == null ? null : read(e.data), e.type);
    }

    /**
     * The event as its JSON text, written once per event and shared by every live stream that sends it (events never
     * change); the newest few thousand are kept.
     */
    public String eventJson(JobEventEntity e) {
        String text = eventTexts.get(e.id);
        if (text == null) {
            if (eventTexts.size() >= EVENT_TEXTS) {
                eventTexts.clear();
            }
            try {
                text = json.writeValueAsString(event(e));
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new UncheckedIOException(ex);
            }
            eventTexts.put(e.id, text);
        }
        return text;
    }

    private static final int EVENT_TEXTS = 4096;
    private final java.util.Map<String, String> eventTexts = new java.util.concurrent.ConcurrentHashMap<>();

    private JsonNode read(String text) {
        try {
            return json.readTree(text);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
