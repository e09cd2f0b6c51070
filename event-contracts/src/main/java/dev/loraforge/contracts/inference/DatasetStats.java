package dev.loraforge.contracts.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * inference-service's answer to a {@link DatasetStatsRequest}: each dataset as training will see it.
 *
 * @param training   the training dataset
 * @param validation the validation dataset, or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record DatasetStats(Part training, Part validation) {

    /** The dataset-statistics endpoint of inference-service (internal). */
    public static final String PATH = "/internal/v1/dataset-stats";

    /**
     * One dataset, encoded at the job's sequence length. For a preference (DPO) file an example is a pair: {@code
     * tokens} counts both of its sequences (prompt + chosen, prompt + rejected), {@code targetTokens} their response
     * tokens, {@code truncated} the pairs with a response cut, {@code dropped} those whose prompt fills the length.
     *
     * @param lines        examples in the file
     * @param examples     examples training uses (those with a trained token within the sequence length)
     * @param tokens       tokens of those examples after truncation: what one epoch trains on
     * @param targetTokens the tokens among them that carry the loss (assistant turns, completions)
     * @param truncated    examples cut at the sequence length
     * @param dropped      examples left out: nothing to learn within the sequence length
     * @param longest      tokens of the longest example before truncation
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Part(int lines, int examples, long tokens, long targetTokens, int truncated, int dropped, int longest) {
    }
}
