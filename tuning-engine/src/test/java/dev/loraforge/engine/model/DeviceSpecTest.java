package dev.loraforge.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

/** --device / *_DEVICE: the spellings, auto, and the clear refusal where CUDA is not there. */
class DeviceSpecTest {

    @Test
    void spellingsAreThoseOfPyTorch() {
        assertThat(DeviceSpec.parse(null)).isEqualTo(DeviceSpec.AUTO);
        assertThat(DeviceSpec.parse(" CUDA:1 ").cudaIndex()).isEqualTo(1);
        assertThat(DeviceSpec.parse("cuda").cudaIndex()).isZero();
        assertThat(DeviceSpec.parse("cpu").cudaIndex()).isEqualTo(-1);
        assertThatThrownBy(() -> DeviceSpec.parse("tpu")).hasMessage("device 'tpu' is not valid; use auto, cpu, cuda or cuda:N");
        assertThatThrownBy(() -> DeviceSpec.parse("cuda:-1")).hasMessageContaining("use auto, cpu, cuda or cuda:N");
    }

    @Test
    void autoTakesTheFirstGpuWhenThereIsOne() {
        assertThat(DeviceSpec.AUTO.resolve(() -> 0)).isEqualTo(Device.cpu());
        assertThat(DeviceSpec.AUTO.resolve(() -> 2)).isEqualTo(Device.gpu(0));
        assertThat(DeviceSpec.parse("cpu").resolve(() -> 2)).isEqualTo(Device.cpu());
        assertThat(DeviceSpec.parse("cuda:1").resolve(() -> 2)).isEqualTo(Device.gpu(1));
        assertThat(DeviceSpec.name(Device.gpu(1))).isEqualTo("cuda:1");
        assertThat(DeviceSpec.name(Device.cpu())).isEqualTo("cpu");
    }

    @Test
    void cudaWhereThereIsNoneIsAnErrorThatSaysWhatToDo() {
        assertThatThrownBy(() -> DeviceSpec.parse("cuda").resolve(() -> 0))
                .isInstanceOf(DeviceSpec.Unavailable.class)
                .hasMessageContaining("PyTorch sees no CUDA device")
                .hasMessageContaining("-Pcuda")
                .hasMessageContaining("--device cpu");
        assertThatThrownBy(() -> DeviceSpec.parse("cuda:2").resolve(() -> 2))
                .hasMessageContaining("sees 2 CUDA devices (cuda:0 to cuda:1)");
        // this machine's PyTorch build is the CPU one: auto is the CPU, cuda is refused
        assertThat(DeviceSpec.AUTO.resolve()).isEqualTo(Device.cpu());
        assertThatThrownBy(() -> DeviceSpec.parse("cuda").resolve()).isInstanceOf(DeviceSpec.Unavailable.class);
    }
}
