package dev.loraforge.inference.rest;

import dev.loraforge.contracts.inference.DatasetStats;
import dev.loraforge.contracts.inference.DatasetStatsRequest;
import dev.loraforge.inference.service.DatasetStatsService;
import dev.loraforge.inference.service.InferenceException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code POST /internal/v1/dataset-stats}: a job's datasets tokenized with the base model's tokenizer and chat
 * template at the job's sequence length (job-api's dry run; callers as for generation). Refusals are problem+json
 * with a {@code code} and {@code param}.
 */
@Path(DatasetStats.PATH)
public class DatasetStatsResource {

    /** The longest sequence length asked about (the job settings allow at most this). */
    static final int MAX_SEQ_LEN = 131_072;

    private final DatasetStatsService service;

    public DatasetStatsResource(DatasetStatsService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public DatasetStats stats(DatasetStatsRequest body, @jakarta.ws.rs.HeaderParam(GenerateResource.TENANT_HEADER) String tenant) {
        if (body == null) {
            throw InferenceException.invalid(null, "a JSON body is required");
        }
        digest(body.baseDigest(), "base_digest", true);
        digest(body.trainingDigest(), "training_digest", true);
        digest(body.validationDigest(), "validation_digest", false);
        if (body.seqLen() == null || body.seqLen() < 2 || body.seqLen() > MAX_SEQ_LEN) {
            // 2 at least: one token to read and one to predict
            throw InferenceException.invalid("seq_len", "seq_len must be 2 to " + MAX_SEQ_LEN + ", got " + body.seqLen());
        }
        return service.stats(body.baseDigest(), body.trainingDigest(), body.validationDigest(), body.seqLen(),
                GenerateResource.templateKwargs(body.chatTemplateKwargs(), true), GenerateResource.tenant(tenant));
    }

    private static void digest(String value, String param, boolean required) {
        if (value == null ? required : !GenerateResource.DIGEST.matcher(value).matches()) {
            throw InferenceException.invalid(param, param + " must be sha256:<64 hex digits>" + (required ? "" : " or null")
                    + ", got " + value);
        }
    }
}
