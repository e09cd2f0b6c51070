package dev.loraforge.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors format: header layout, dtypes and conversions, shards, refusals. */
class SafeTensorsTest {

    @TempDir
    Path dir;

    @Test
    void headerIsLittleEndianLengthSortedJsonPaddedWithSpacesToEightBytes() throws Exception {
        Path f = dir.resolve("t.safetensors");
        new SafeTensorsWriter().metadata("format", "pt")
                .addFloats("zeta", new float[] {1, 2, 3}, new long[] {3}, SafeDType.F32)
                .addFloats("alpha", new float[] {4, 5}, new long[] {1, 2}, SafeDType.F16)
                .write(f);
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"alpha\":");
        assertThat(header.stripTrailing()).endsWith("}");
        assertThat(header.substring(header.stripTrailing().length())).matches(" *");
        JsonNode json = new ObjectMapper().readTree(header);
        assertThat(json.get("alpha").get("dtype").asText()).isEqualTo("F16");
        assertThat(json.get("alpha").get("data_offsets").toString()).isEqualTo("[0,4]");
        assertThat(json.get("zeta").get("data_offsets").toString()).isEqualTo("[4,16]");
        assertThat(bytes.length).isEqualTo(8 + n + 16);
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("__metadata__", "alpha", "zeta");
    }

    @Test
    void roundTripsEveryDtypeThroughNdArrays() {
        Path f = dir.resolve("all.safetensors");
        float[] values = {0f, 1f, -2.5f, 3.14159f, 65504f, 1e-8f, -0.0001f, 1000.125f};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray f32 = m.create(values, new Shape(2, 4));
            NDArray i64 = m.create(new long[] {1, -2, 3L << 40});
            NDArray i32 = m.create(new int[] {7, -8});
            NDArray u8 = m.create(new byte[] {1, (byte) 200}, new Shape(2)).toType(DataType.UINT8, false);
            NDArray i8 = m.create(new byte[] {-3, 4});
            new SafeTensorsWriter().add("f32", f32).add("f16", f32, SafeDType.F16).add("bf16", f32, SafeDType.BF16)
                    .add("i64", i64).add("i32", i32).add("u8", u8).add("i8", i8).write(f);
            try (SafeTensorsReader r = SafeTensorsReader.open(f)) {
                assertThat(r.info("f16").dtype()).isEqualTo(SafeDType.F16);
                assertThat(r.info("bf16").shape()).containsExactly(2, 4);
                assertThat(r.readFloat32("f32", m).toFloatArray()).containsExactly(values);
                float[] f16 = r.readFloat32("f16", m).toFloatArray();
                float[] bf16 = r.readFloat32("bf16", m).toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    assertThat(f16[i]).isEqualTo(HalfFloats.f16ToF32(HalfFloats.f32ToF16(values[i])));
                    assertThat(bf16[i]).isEqualTo(HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(values[i])));
                }
                assertThat(r.readFloats("bf16")).containsExactly(bf16);
                assertThat(f16[4]).isEqualTo(65504f);                 // largest half
                assertThat(bf16[3]).isEqualTo(3.140625f);             // 3.14159 rounded to 8 mantissa bits
                assertThat(r.read("i64", m).toLongArray()).containsExactly(1, -2, 3L << 40);
                assertThat(r.read("i32", m).toIntArray()).containsExactly(7, -8);
                assertThat(r.read("u8", m).toUint8Array()).containsExactly(1, 200);
                assertThat(r.read("i8", m).toByteArray()).containsExactly(-3, 4);
                assertThat(r.read("i64", m).getDataType()).isEqualTo(DataType.INT64);
                assertThatThrownBy(() -> r.readFloat32("i32", m)).hasMessageContaining("not a floating type");
                assertThatThrownBy(() -> r.info("nope")).hasMessageContaining("no tensor named 'nope'");
            }
        }
    }

    @Test
    void halfConversionsRoundToNearestEven() {
        assertThat(HalfFloats.f32ToF16(1.0f)).isEqualTo((short) 0x3C00);
        assertThat(HalfFloats.f32ToF16(65520f)).isEqualTo((short) 0x7C00);          // rounds up to +inf
        assertThat(HalfFloats.f32ToF16(1.0f + 0x1p-11f)).isEqualTo((short) 0x3C00); // tie -> even
        assertThat(HalfFloats.f32ToF16(1.0f + 0x1p-11f + 0x1p-20f)).isEqualTo((short) 0x3C01);
        assertThat(HalfFloats.f16ToF32(HalfFloats.f32ToF16(0x1p-24f))).isEqualTo(0x1p-24f); // smallest subnormal
        assertThat(HalfFloats.f32ToBf16(1.0f + 0x1p-8f)).isEqualTo((short) 0x3F80);  // tie -> even
        assertThat(HalfFloats.f32ToBf16(1.0f + 0x1p-8f + 0x1p-20f)).isEqualTo((short) 0x3F81);
        assertThat(Float.isNaN(HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(Float.NaN)))).isTrue();
        assertThat(Float.isNaN(HalfFloats.f16ToF32(HalfFloats.f32ToF16(Float.NaN)))).isTrue();
        for (int bits = 0; bits < 0x7C00; bits += 7) { // every finite positive half survives a round trip
            assertThat(HalfFloats.f32ToF16(HalfFloats.f16ToF32((short) bits))).isEqualTo((short) bits);
        }
    }

    @Test
    void shardedModelsAreReadThroughTheIndex() throws Exception {
        new SafeTensorsWriter().addFloats("a", new float[] {1, 2}, new long[] {2}, SafeDType.F32)
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafeTensorsWriter().metadata("format", "pt").addFloats("b", new float[] {3}, new long[] {1}, SafeDType.BF16)
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 10}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                 "b": "model-00002-of-00002.safetensors"}}""");
        try (SafeTensorsReader r = SafeTensorsReader.openModel(dir)) {
            assertThat(r.names()).containsExactly("a", "b");
            assertThat(r.readFloats("a")).containsExactly(1, 2);
            assertThat(r.readFloats("b")).containsExactly(3);
            assertThat(r.metadata()).containsEntry("format", "pt");
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"weight_map": {"a": "model-00002-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}""");
        assertThatThrownBy(() -> SafeTensorsReader.openModel(dir)).hasMessageContaining("maps 'a'");
    }

    @Test
    void corruptFilesAreRefusedWithTheReason() throws Exception {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafeTensorsReader.open(f)).hasMessageContaining("not a safetensors file");
        byte[] header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Files.write(f, b.array());
        assertThatThrownBy(() -> SafeTensorsReader.open(f)).hasMessageContaining("inconsistent with F32[4]");
        Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertThatThrownBy(() -> SafeTensorsReader.open(f)).hasMessageContaining("invalid safetensors header length");
        assertThatThrownBy(() -> SafeTensorsReader.openModel(dir.resolve("missing"))).hasMessageContaining("no weights in");
        assertThatThrownBy(() -> SafeDType.fromTag("F8_E4M3")).hasMessageContaining("unsupported safetensors dtype 'F8_E4M3'");
    }

    @Test
    void aStreamedFileKeepsWriteOrderAndPadsItsHeaderToTheReservedSize() throws Exception {
        Path src = dir.resolve("src.safetensors");
        new SafeTensorsWriter().addFloats("copied", new float[] {7, 8, 9}, new long[] {3}, SafeDType.BF16).write(src);
        Path f = dir.resolve("streamed.safetensors");
        List<SafeTensorsStreamFile.Slot> slots = List.of(new SafeTensorsStreamFile.Slot("zeta", SafeDType.F32, new long[] {3}),
                new SafeTensorsStreamFile.Slot("alpha", SafeDType.U8, new long[] {2, 2}),
                new SafeTensorsStreamFile.Slot("copied", SafeDType.BF16, new long[] {3}));
        int reserved = SafeTensorsStreamFile.headerBound(java.util.Map.of("format", "pt"), slots);
        try (SafeTensorsReader source = SafeTensorsReader.open(src);
                SafeTensorsStreamFile out = SafeTensorsStreamFile.create(f, reserved, java.util.Map.of("format", "pt"))) {
            out.putFloats("zeta", new float[] {1, 2, 3});
            assertThat(f).doesNotExist();
            out.putBytes("alpha", SafeDType.U8, new long[] {2, 2}, ByteBuffer.wrap(new byte[] {1, 2, 3, (byte) 250}));
            out.putFrom(source, "copied");
            assertThatThrownBy(() -> out.putFloats("zeta", new float[] {1})).hasMessageContaining("repeated tensor name 'zeta'");
            out.finish();
        }
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(n).isEqualTo(reserved);
        assertThat(bytes.length).isEqualTo(8 + n + 12 + 4 + 6);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header.substring(header.stripTrailing().length())).matches(" +");
        JsonNode json = new ObjectMapper().readTree(header);
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("__metadata__", "zeta", "alpha", "copied");
        assertThat(json.get("alpha").get("data_offsets").toString()).isEqualTo("[12,16]");
        try (SafeTensorsReader r = SafeTensorsReader.open(f)) {
            assertThat(r.readFloats("zeta")).containsExactly(1, 2, 3);
            assertThat(r.readFloats("copied")).containsExactly(7, 8, 9);
            ByteBuffer alpha = r.bytes("alpha");
            assertThat(alpha.get(3)).isEqualTo((byte) 250);
            assertThat(r.metadata()).containsEntry("format", "pt");
        }
    }

    @Test
    void aStreamedFileWhoseHeaderOutgrowsItsReservationOrIsNotFinishedLeavesNothing() {
        Path f = dir.resolve("short.safetensors");
        try (SafeTensorsStreamFile out = SafeTensorsStreamFile.create(f, 16, java.util.Map.of())) {
            out.putFloats("a_rather_long_tensor_name", new float[] {1});
            assertThatThrownBy(out::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("does not fit the 16");
        }
        Path g = dir.resolve("abandoned.safetensors");
        try (SafeTensorsStreamFile out = SafeTensorsStreamFile.create(g, 64, java.util.Map.of())) {
            out.putFloats("x", new float[] {1});
        }
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("short")
                || p.getFileName().toString().startsWith("abandoned"));
        assertThatThrownBy(() -> SafeTensorsStreamFile.create(g, 12, java.util.Map.of())).hasMessageContaining("multiple of 8");
    }

    @Test
    void floatsReadInChunksEqualTheMappedBytesAcrossChunkBoundaries() {
        Path f = dir.resolve("big.safetensors");
        java.util.Random random = new java.util.Random(5);
        float[] f32 = new float[3_000_001];           // 12 MB: two 8 MB reads
        float[] bf16 = new float[5_000_003];          // 10 MB
        for (int i = 0; i < f32.length; i++) {
            f32[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < bf16.length; i++) {
            bf16[i] = (float) random.nextGaussian();
        }
        new SafeTensorsWriter().addFloats("f32", f32, new long[] {f32.length}, SafeDType.F32)
                .addFloats("bf16", bf16, new long[] {bf16.length}, SafeDType.BF16)
                .addFloats("f16", new float[] {0.5f, -2f, 65504f}, new long[] {3}, SafeDType.F16).write(f);
        try (SafeTensorsReader r = SafeTensorsReader.open(f)) {
            assertThat(r.readFloats("f32")).isEqualTo(f32); // (containsExactly diffs in n^2 time)
            float[] widened = r.readFloats("bf16");
            for (int i = 0; i < bf16.length; i += 9973) {
                assertThat(widened[i]).isEqualTo(HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(bf16[i])));
            }
            assertThat(widened).isEqualTo(SafeTensorsReader.toFloats(r.info("bf16"), r.bytes("bf16")));
            assertThat(r.readFloats("f16")).containsExactly(0.5f, -2f, 65504f);
        }
    }

    @Test
    void shardsArePlannedAsSavePretrainedCutsThem() {
        assertThat(SafeTensorsShards.plan(new long[] {3, 3, 3, 5, 1}, 6)).containsExactly(0, 0, 1, 2, 2);
        assertThat(SafeTensorsShards.plan(new long[] {1, 10, 1}, 6)).containsExactly(0, 1, 2);
        assertThat(SafeTensorsShards.plan(new long[] {10}, 6)).containsExactly(0);
        assertThat(SafeTensorsShards.fileName(0, 1)).isEqualTo("model.safetensors");
        assertThat(SafeTensorsShards.fileName(1, 4)).isEqualTo("model-00002-of-00004.safetensors");
        assertThatThrownBy(() -> SafeTensorsShards.plan(new long[] {1}, 0)).hasMessageContaining("must be positive");
    }
}
