package dev.loraforge.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * The packed quant state of a bitsandbytes 4-bit weight: the JSON that {@code QuantState.as_dict(packed=True)}
 * stores as a uint8 tensor under {@code <module>.weight.quant_state.bitsandbytes__nf4}, written as Python's
 * {@code json.dumps} writes it: {@code {"quant_type": "nf4", "blocksize": 64, "dtype": "float32",
 * "shape": [out, in]}}, then {@code "nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": x}
 * when double-quantized.
 */
final class QuantStateJson {

    /** What the packed state says; nested fields are null without double quantization. */
    record State(String quantType, int blocksize, String dtype, long[] shape, Integer nestedBlocksize,
                 String nestedDtype, Double nestedOffset) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private QuantStateJson() {
    }

    static byte[] encode(Nf4Tensor t) {
        StringBuilder s = new StringBuilder("{\"quant_type\": \"nf4\", \"blocksize\": ").append(t.blocksize())
                .append(", \"dtype\": \"").append(t.dtype()).append("\", \"shape\": [");
        long[] shape = t.shape();
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        s.append(']');
        if (t.doubleQuantized()) {
            s.append(", \"nested_blocksize\": ").append(t.nested().nestedBlocksize())
                    .append(", \"nested_dtype\": \"float32\", \"nested_offset\": ").append(pythonRepr(t.nested().offset()));
        }
        return s.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    static State decode(byte[] bytes, String where) {
        JsonNode n;
        try {
            n = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": the quant state is not valid JSON: " + e.getMessage(), e);
        }
        for (String field : new String[] {"quant_type", "blocksize", "dtype", "shape"}) {
            if (!n.hasNonNull(field)) {
                throw new IllegalArgumentException(where + ": the quant state has no '" + field + "'");
            }
        }
        long[] shape = new long[n.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = n.get("shape").get(i).asLong();
        }
        boolean nested = n.hasNonNull("nested_offset");
        if (nested && (!n.hasNonNull("nested_blocksize"))) {
            throw new IllegalArgumentException(where + ": the quant state has nested_offset but no nested_blocksize");
        }
        return new State(n.get("quant_type").asText(), n.get("blocksize").asInt(), n.get("dtype").asText(), shape,
                nested ? n.get("nested_blocksize").asInt() : null, nested ? n.path("nested_dtype").asText("float32") : null,
                nested ? n.get("nested_offset").asDouble() : null);
    }

    /** Python's repr of a float32 widened to double (shortest round-trip digits, Python's notation). */
    static String pythonRepr(float f) {
        double d = f;
        if (d == 0) {
            return Double.doubleToRawLongBits(d) < 0 ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = shortest.precision() - shortest.scale() - 1; // decimal exponent of the first digit
        if (exponent >= -5 + 1 && exponent < 16) {
            String plain = shortest.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = shortest.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
