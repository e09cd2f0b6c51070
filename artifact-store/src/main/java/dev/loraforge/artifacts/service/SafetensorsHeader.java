package dev.loraforge.artifacts.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the header of a {@code .safetensors} file says, read without touching the tensor data: the
 * file starts with an 8-byte little-endian header length N and N bytes of JSON mapping each tensor
 * name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data
 * after the header), plus an optional {@code __metadata__} object.
 *
 * @param tensors    number of tensors
 * @param parameters total number of elements over all tensors
 * @param dtypes     the dtypes used, e.g. [BF16]
 * @param entries    each tensor's dtype and shape, by name
 */
public record SafetensorsHeader(int tensors, long parameters, Set<String> dtypes, Map<String, Entry> entries) {

    /** One tensor as the header declares it. */
    public record Entry(String dtype, long[] shape) {
        /** The shape as text, e.g. [896, 151936]. */
        public String shapeText() {
            return java.util.Arrays.toString(shape);
        }
    }

    /** Largest header accepted (the format's reference implementation allows 100 MB). */
    static final long MAX_HEADER = 100L * 1024 * 1024;

    private static final Map<String, Integer> DTYPE_BITS = Map.ofEntries(
            Map.entry("BOOL", 8), Map.entry("U8", 8), Map.entry("I8", 8), Map.entry("F8_E4M3", 8),
            Map.entry("F8_E5M2", 8), Map.entry("I16", 16), Map.entry("U16", 16), Map.entry("F16", 16),
            Map.entry("BF16", 16), Map.entry("I32", 32), Map.entry("U32", 32), Map.entry("F32", 32),
            Map.entry("I64", 64), Map.entry("U64", 64), Map.entry("F64", 64), Map.entry("F4", 4));

    /**
     * Reads and checks the header of {@code file}.
     *
     * @throws IllegalArgumentException naming the file (and tensor) and what is wrong
     */
    public static SafetensorsHeader read(Path file, ObjectMapper json) throws IOException {
        long fileSize = Files.size(file);
        String where = file.getFileName().toString();
        if (fileSize < 8) {
            throw new IllegalArgumentException(where + " is " + fileSize + " bytes: too short for a safetensors file");
        }
        JsonNode header;
        long n;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] len = in.readNBytes(8);
            n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n <= 0 || n > MAX_HEADER || n > fileSize - 8) {
                throw new IllegalArgumentException(where + " declares a header of " + n + " bytes in a file of "
                        + fileSize + " bytes: not a safetensors file");
            }
            byte[] bytes = in.readNBytes((int) n);
            try {
                header = json.readTree(new String(bytes, StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(where + " has a header that is not JSON: " + e.getOriginalMessage());
            }
        }
        if (header == null || !header.isObject()) {
            throw new IllegalArgumentException(where + " has a header that is not a JSON object");
        }
        long dataSize = fileSize - 8 - n;
        int tensors = 0;
        long parameters = 0;
        Set<String> dtypes = new TreeSet<>();
        Map<String, Entry> entries = new java.util.LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            String tensor = where + ": tensor '" + entry.getKey() + "'";
            JsonNode t = entry.getValue();
            String dtype = t.path("dtype").asText("");
            Integer bits = DTYPE_BITS.get(dtype);
            if (bits == null) {
                throw new IllegalArgumentException(tensor + " has unknown dtype '" + dtype + "'");
            }
            JsonNode shape = t.path("shape");
            JsonNode offsets = t.path("data_offsets");
            if (!shape.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new IllegalArgumentException(tensor + " needs a 'shape' array and 'data_offsets' [begin, end]");
            }
            long elements = 1;
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                JsonNode d = shape.get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                    throw new IllegalArgumentException(tensor + " has an invalid dimension " + d);
                }
                dims[i] = d.asLong();
                elements = Math.multiplyExact(elements, d.asLong());
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataSize) {
                throw new IllegalArgumentException(tensor + " has data_offsets [" + begin + ", " + end
                        + "] outside the " + dataSize + " data bytes");
            }
            long expected = (elements * bits + 7) / 8;
            if (end - begin != expected) {
                throw new IllegalArgumentException(tensor + " has " + (end - begin) + " data bytes, but shape "
                        + shape + " of " + dtype + " needs " + expected);
            }
            tensors++;
            parameters += elements;
            dtypes.add(dtype);
            entries.put(entry.getKey(), new Entry(dtype, dims));
        }
        return new SafetensorsHeader(tensors, parameters, dtypes, entries);
    }
}
