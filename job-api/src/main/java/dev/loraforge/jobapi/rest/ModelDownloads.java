package dev.loraforge.jobapi.rest;

import dev.loraforge.contracts.ByteRange;
import dev.loraforge.contracts.RangedStream;
import dev.loraforge.contracts.inference.ModelExport;
import dev.loraforge.jobapi.client.ArtifactStoreClient;
import dev.loraforge.jobapi.client.InferenceClient;
import dev.loraforge.jobapi.repository.JobEntity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import java.util.List;

/**
 * A succeeded job's model, to take anywhere ({@code GET /v1/fine_tuning/jobs/{id}/adapter?format=...}):
 * {@code peft} (the adapter directory as a tar, from artifact-store), {@code merged} (the adapter folded into the
 * full-precision base: a Hugging Face model directory in the base's dtype, as a tar) or {@code gguf} (that merged
 * model as one GGUF v3 file, f16), both made by inference-service. Every format streams with {@code Content-Length}
 * and answers one {@code Range} (206 with {@code Content-Range}; 416 past the end), so a large download resumes.
 */
@ApplicationScoped
public class ModelDownloads {

    /** The formats: the adapter itself, then those inference-service makes. */
    static final List<String> FORMATS = java.util.stream.Stream.concat(java.util.stream.Stream.of("peft"),
            ModelExport.FORMATS.stream()).toList();

    private final ArtifactStoreClient store;
    private final InferenceClient inference;

    public ModelDownloads(ArtifactStoreClient store, InferenceClient inference) {
        this.store = store;
        this.inference = inference;
    }

    /** The job's model in {@code format} (null: peft), or the part of it {@code range} asks for. */
    public Response download(JobEntity job, String format, String range) {
        String f = format == null ? "peft" : format;
        if (!FORMATS.contains(f)) {
            throw ApiException.invalid("format must be one of " + FORMATS + ", got '" + f + "'.", "format");
        }
        if (job.adapterDigest == null) {
            throw ApiException.invalid("Job " + job.id + " has no adapter: its status is '" + job.status
                    + "'; adapters exist for succeeded jobs.", "fine_tuning_job_id");
        }
        if (!f.equals("peft") && job.baseModelDigest == null) {
            throw ApiException.invalid("Job " + job.id + " names no stored base model to merge into; download format=peft.",
                    "format");
        }
        RangedStream answer = f.equals("peft")
                ? store.openBlob(job.adapterDigest, job.tenantId, range)
                : inference.export(f, job.baseModelDigest, job.baseModelName(), job.adapterDigest,
                        job.fineTunedModel == null ? job.baseModelName() : job.fineTunedModel, job.tenantId, range);
        if (answer.status() == 416) {
            return Response.fromResponse(OpenAiErrorMapper.response(416, "invalid_request_error",
                    "The range '" + range + "' asks for no byte of this download (" + answer.contentRange()
                            + "): ask for bytes within its Content-Length.", "Range", "range_not_satisfiable"))
                    .header(ByteRange.CONTENT_RANGE, answer.contentRange())
                    .header(ByteRange.ACCEPT_RANGES, "bytes").build();
        }
        InputStream in = answer.body();
        StreamingOutput body = out -> {
            try (in) {
                in.transferTo(out);
            }
        };
        String mediaType = f.equals("gguf") ? "application/octet-stream" : "application/x-tar";
        String fileName = job.id + switch (f) {
            case "peft" -> "-adapter.tar";
            case "merged" -> "-merged.tar";
            default -> ".gguf";
        };
        Response.ResponseBuilder response = Response.status(answer.status()).entity(body).type(mediaType)
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .header(ByteRange.ACCEPT_RANGES, "bytes");
        if (answer.length() >= 0) {
            response.header(HttpHeaders.CONTENT_LENGTH, answer.length());
        }
        if (answer.contentRange() != null) {
            response.header(ByteRange.CONTENT_RANGE, answer.contentRange());
        }
        if (f.equals("peft")) {
            response.header("X-Content-Digest", job.adapterDigest);
        }
        return response.build();
    }
}
