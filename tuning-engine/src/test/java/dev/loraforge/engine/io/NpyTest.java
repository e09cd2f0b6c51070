package dev.loraforge.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .npy v1.0 layout NumPy expects. */
class NpyTest {

    @TempDir
    Path dir;

    @Test
    void writesNumpyV1HeaderAndLittleEndianData() throws Exception {
        Path f = dir.resolve("logits.npy");
        Npy.writeFloat32(f, new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, 2, 3);
        byte[] bytes = Files.readAllBytes(f);
        assertThat(bytes[0]).isEqualTo((byte) 0x93);
        assertThat(new String(bytes, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
        assertThat(bytes[6]).isEqualTo((byte) 1);
        assertThat(bytes[7]).isEqualTo((byte) 0);
        int headerLen = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        assertThat((10 + headerLen) % 64).isZero();
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }").endsWith("\n");
        assertThat(bytes.length).isEqualTo(10 + headerLen + 24);
        assertThat(ByteBuffer.wrap(bytes, 10 + headerLen, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat()).isEqualTo(1.5f);
        Npy.NpyArray back = Npy.readFloat32(f);
        assertThat(back.shape()).containsExactly(2, 3);
        assertThat(back.data()).containsExactly(1.5f, -2f, 3f, 4f, 5f, 6f);
    }

    @Test
    void oneDimensionalShapeHasTheTrailingComma() throws Exception {
        Path f = dir.resolve("v.npy");
        Npy.writeFloat32(f, new float[] {1, 2, 3}, 3);
        assertThat(new String(Files.readAllBytes(f), StandardCharsets.US_ASCII)).contains("'shape': (3,), }");
        assertThat(Npy.readFloat32(f).shape()).containsExactly(3);
    }
}
