package dev.loraforge.jobapi.mapping;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The objects of the public API, shaped as OpenAI's (snake_case on the wire). */
public final class ApiObjects {
    private ApiObjects() {
    }

    /**
     * A dry run's answer ({@code "dry_run": true} on job create; an extension): the job as it would run, nothing
     * created. {@code estimate} is null until a job on the same base has finished.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record DryRunObject(String object, String model, String trainingFile, String validationFile,
                               Map<String, Object> hyperparameters, Map<String, Object> method, JsonNode adapter,
                               int seqLen, dev.loraforge.contracts.inference.DatasetStats.Part training,
                               dev.loraforge.contracts.inference.DatasetStats.Part validation, long stepsPerEpoch,
                               long totalSteps, long trainedTokensPerEpoch, long trainedTokens,
                               Double estimatedDurationSeconds, Estimate estimate, List<String> warnings) {
    }

    /**
     * How a dry run's duration was estimated: the median training throughput of the latest succeeded jobs on the
     * same base model ({@code jobs}, same method type when there are such).
     */
    public record Estimate(double tokensPerSecond, int jobs, String basis) {
    }

    /** {@code file}. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record FileObject(String id, String object, long bytes, long createdAt, String filename, String purpose,
                             String status, String statusDetails) {
    }

    /** {@code fine_tuning.job}; {@code adapter}, {@code status_detail} and {@code attempt} are extensions. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record JobObject(String id, String object, String model, long createdAt, Long finishedAt,
                            String fineTunedModel, String organizationId, List<String> resultFiles, String status,
                            String validationFile, String trainingFile, Map<String, Object> hyperparameters,
                            Long trainedTokens, JobError error, String userProvidedSuffix, long seed,
                            Long estimatedFinish, List<Object> integrations, Map<String, String> metadata,
                            Map<String, Object> method, JsonNode adapter, String statusDetail, int attempt,
                            JsonNode chatTemplateKwargs) {
    }

    /** {@code fine_tuning.job.checkpoint}. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record CheckpointObject(String id, String object, long createdAt, String fineTunedModelCheckpoint,
                                   String fineTuningJobId, Map<String, Object> metrics, int stepNumber) {
    }

    /** {@code model}. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ModelObject(String id, String object, long created, String ownedBy) {
    }

    /** The error of a failed job. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record JobError(String code, String message, String param) {
    }

    /** {@code fine_tuning.job.event}. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record EventObject(String id, String object, long createdAt, String level, String message,
                              JsonNode data, String type) {
    }

    /** OpenAI's cursor page: {@code {"object":"list","data":[...],"has_more":...}}. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ListObject<T>(String object, List<T> data, boolean hasMore, String firstId, String lastId) {
        public static <T> ListObject<T> of(List<T> data, boolean hasMore, java.util.function.Function<T, String> id) {
            return new ListObject<>("list", data, hasMore, data.isEmpty() ? null : id.apply(data.get(0)),
                    data.isEmpty() ? null : id.apply(data.get(data.size() - 1)));
        }
    }
}
