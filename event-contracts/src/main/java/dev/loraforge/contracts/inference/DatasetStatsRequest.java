package dev.loraforge.contracts.inference;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The body of {@code POST /internal/v1/dataset-stats} ({@link DatasetStats#PATH}): tokenize a job's datasets with the
 * base model's tokenizer and chat template, as training would, without training (job-api's dry run).
 *
 * @param baseDigest         the base model's archive in artifact-store (its tokenizer and chat template)
 * @param trainingDigest     the training dataset's blob
 * @param validationDigest   the validation dataset's blob, or null
 * @param seqLen             the job's sequence length: longer examples are truncated, as training truncates them
 * @param chatTemplateKwargs extra chat template variables (e.g. {@code enable_thinking}), or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DatasetStatsRequest(String baseDigest, String trainingDigest, String validationDigest, Integer seqLen,
                                  java.util.Map<String, Object> chatTemplateKwargs) {
}
