package dev.loraforge.engine.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the engine computes: {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}, the spelling of
 * PyTorch and transformers' {@code device} arguments. {@code auto} is the first CUDA device when PyTorch
 * sees one, else the CPU. Asking for CUDA where PyTorch sees none is an error that says why and what to
 * do ({@link Unavailable}), never a silent CPU run.
 *
 * @param spec the spelling as given (normalised to lower case)
 */
public record DeviceSpec(String spec) {

    private static final Pattern FORM = Pattern.compile("auto|cpu|cuda|cuda:(\\d{1,3})|gpu|gpu:(\\d{1,3})");

    /** The default of services and of every {@code tune} command. */
    public static final DeviceSpec AUTO = new DeviceSpec("auto");

    public DeviceSpec {
        spec = spec == null ? "auto" : spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (!FORM.matcher(spec).matches()) {
            throw new IllegalArgumentException("device '" + spec + "' is not valid; use auto, cpu, cuda or cuda:N");
        }
    }

    /** Parses a device setting (null or blank: auto). */
    public static DeviceSpec parse(String spec) {
        return new DeviceSpec(spec == null || spec.isBlank() ? "auto" : spec);
    }

    /** The CUDA device index asked for, or -1 for cpu and auto. */
    public int cudaIndex() {
        Matcher m = FORM.matcher(spec);
        m.matches();
        if (spec.equals("cuda") || spec.equals("gpu")) {
            return 0;
        }
        String n = m.group(1) != null ? m.group(1) : m.group(2);
        return n == null ? -1 : Integer.parseInt(n);
    }

    /** The device on this machine, as PyTorch sees its GPUs. */
    public Device resolve() {
        return resolve(() -> Engine.getEngine("PyTorch").getGpuCount());
    }

    /** The device given the number of CUDA devices PyTorch sees (for tests). */
    public Device resolve(IntSupplier gpuCount) {
        if (spec.equals("cpu")) {
            return Device.cpu();
        }
        int visible = gpuCount.getAsInt();
        if (spec.equals("auto")) {
            return visible > 0 ? Device.gpu(0) : Device.cpu();
        }
        int index = cudaIndex();
        if (visible == 0) {
            throw new Unavailable("device '" + spec + "' was asked for, but PyTorch sees no CUDA device here: this needs"
                    + " an NVIDIA GPU with its driver and the CUDA build of the engine (mvn -Pcuda, PyTorch natives"
                    + " pytorch-native-cu124); or use --device cpu (or auto)");
        }
        if (index >= visible) {
            throw new Unavailable("device '" + spec + "' was asked for, but PyTorch sees " + visible + " CUDA device"
                    + (visible == 1 ? "" : "s") + " (cuda:0" + (visible > 1 ? " to cuda:" + (visible - 1) : "") + ")");
        }
        return Device.gpu(index);
    }

    /** A device's name in the spelling above ({@code cpu}, {@code cuda:0}), for events and JSON. */
    public static String name(Device device) {
        return device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
    }

    @Override
    public String toString() {
        return spec;
    }

    /** The asked-for device does not exist here. */
    public static final class Unavailable extends IllegalArgumentException {
        public Unavailable(String message) {
            super(message);
        }
    }
}
