package dev.loraforge.contracts.inference;

/**
 * inference-service's export of a fine-tuned model (internal): {@code GET PATH/{format}} with the query parameters
 * below and the tenant in {@code X-Tenant-Id} answers the adapter folded into its base, {@code merged} (a Hugging Face
 * model directory as a tar) or {@code gguf} (one GGUF v3 file), with {@code Content-Length} and {@code Accept-Ranges};
 * a {@code Range} is answered as {@link dev.loraforge.contracts.ByteRange} describes. Refusals are problem+json:
 * 400 {@code invalid_request} (param named), 404 {@code model_not_found}, 422 {@code adapter_mismatch},
 * {@code adapter_not_mergeable} (a prefix-tuning adapter) or {@code format_unsupported} (no GGUF for this family),
 * 416 {@code range_not_satisfiable}.
 */
public final class ModelExport {

    /** The export endpoint; the format follows as the last path segment. */
    public static final String PATH = "/internal/v1/exports";
    /** The full-precision base the adapter was trained on (a QLoRA adapter merges into it, not its NF4 variant). */
    public static final String BASE_DIGEST = "base_digest";
    /** The base's registry name, which the adapter must have been made for. */
    public static final String BASE_MODEL = "base_model";
    public static final String ADAPTER_DIGEST = "adapter_digest";
    /** The fine-tuned model's name, written into the export's metadata (GGUF {@code general.name}). */
    public static final String NAME = "name";
    /** The formats inference-service makes; {@code peft} is the adapter itself, served by artifact-store. */
    public static final java.util.List<String> FORMATS = java.util.List.of("merged", "gguf");

    private ModelExport() {
    }
}
