package dev.loraforge.quant.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.engine.quant.QuantizationReport;
import dev.loraforge.quant.repository.Quantization;
import dev.loraforge.quant.service.ClaimedPair;
import dev.loraforge.quant.service.QuantizationResult;

/**
 * The quantized model as an artifact-store registration: kind {@code quantized_model}, a
 * {@code quantized_from} edge to the base model, and metadata with the figures. The id is a function
 * of the pair and the metadata of the content, so a retried or repeated registration of the same
 * result is answered with the existing artifact instead of making a second one.
 */
public final class QuantizedArtifactMapper {

    public static final String KIND = "quantized_model";
    public static final String RELATION = "quantized_from";

    private QuantizedArtifactMapper() {
    }

    /**
     * {@code qmodel-<64 hex of the base digest>-<scheme>}; for a base model private to a tenant,
     * {@code -t<first 16 hex of the sha256 of the tenant id>} follows, so that each owner's variant is its own artifact.
     */
    public static String idFor(Quantization.Key key) {
        String id = "qmodel-" + key.baseDigest().substring("sha256:".length()) + "-" + key.scheme();
        return key.owner() == null ? id : id + "-t" + ownerHash(key.owner());
    }

    private static String ownerHash(String tenant) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(h, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The body of {@code POST /api/v1/artifacts}. */
    public static ObjectNode registration(ObjectMapper json, ClaimedPair pair, String baseName, String blobDigest,
                                          QuantizationReport report, String engineVersion) {
        ObjectNode body = json.createObjectNode();
        String name = baseName + "-" + pair.scheme();
        body.put("id", idFor(pair.key()))
                .put("kind", KIND)
                .put("name", name.length() > 200 ? name.substring(0, 200) : name)
                .put("digest", blobDigest);
        if (pair.key().owner() != null) {
            body.put("tenant_id", pair.key().owner()); // private like its base model
        }
        ObjectNode m = body.putObject("metadata");
        m.put("scheme", pair.scheme())
                .put("quant_method", "bitsandbytes")
                .put("base_model_id", pair.baseId())
                .put("base_digest", pair.baseDigest())
                .put("engine_version", engineVersion)
                .put("parameters", report.parameters())
                .put("quantized_parameters", report.quantizedParameters())
                .put("quantized_tensors", report.quantizedTensors())
                .put("bytes_before", report.bytesBefore())
                .put("bytes_after", report.bytesAfter())
                .put("bits_per_quantized_parameter", Math.round(report.bitsPerQuantizedParameter() * 1e4) / 1e4)
                .put("mean_abs_error", report.meanAbsError())
                .put("rms_error", report.rmsError())
                .put("max_abs_error", report.maxAbsError())
                .put("relative_error", report.relativeError());
        body.putArray("parents").addObject().put("id", pair.baseId()).put("relation", RELATION);
        return body;
    }

    /**
     * Whether a registered artifact is this pair's quantized model (kind, scheme and base digest agree).
     */
    public static boolean isResultOf(JsonNode artifact, Quantization.Key key) {
        JsonNode m = artifact.path("metadata");
        return KIND.equals(artifact.path("kind").asText()) && key.scheme().equals(m.path("scheme").asText())
                && key.baseDigest().equals(m.path("base_digest").asText())
                && key.tenantId().equals(artifact.path("tenant_id").asText(""));
    }

    /** The figures of an artifact registered by an earlier run (its metadata). */
    public static QuantizationResult fromRegistered(JsonNode artifact) {
        JsonNode m = artifact.path("metadata");
        return new QuantizationResult(new ArtifactRef(artifact.path("id").asText(), artifact.path("digest").asText()),
                m.hasNonNull("bytes_before") ? m.get("bytes_before").asLong() : null,
                m.hasNonNull("bytes_after") ? m.get("bytes_after").asLong() : null,
                m.hasNonNull("mean_abs_error") ? m.get("mean_abs_error").asDouble() : null,
                null,
                m.hasNonNull("engine_version") ? m.get("engine_version").asText() : null);
    }
}
