package dev.loraforge.engine.quant;

/**
 * The 4-bit NormalFloat code (Dettmers et al. 2023, QLoRA, section 3): 16 values, quantiles of
 * N(0, 1) scaled to [-1, 1] with an exact zero, as bitsandbytes hard-codes them
 * ({@code get_4bit_type("nf4")}, equal to {@code create_normal_map(0.9677083, use_extra_value=True)}).
 * A value x already divided by its block's absmax is encoded with the decision tree of bitsandbytes'
 * {@code dQuantizeNF4} kernel: the thresholds are the midpoints between neighbouring codes and a value
 * equal to a threshold takes the lower code.
 */
public final class Nf4Code {

    /** Code value of each 4-bit index, ascending (index 7 is 0.0). */
    private static final float[] VALUES = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    };

    /** The code of zero (and of the padding element of an odd-sized tensor). */
    public static final int ZERO = 7;

    private Nf4Code() {
    }

    /** The 16 code values (a copy). */
    public static float[] values() {
        return VALUES.clone();
    }

    /** Value of a 4-bit code. */
    public static float value(int code) {
        return VALUES[code & 0x0F];
    }

    /**
     * The decision thresholds of bitsandbytes' dQuantizeNF4, ascending: the midpoints between neighbouring codes
     * (float literals, as the kernel writes them: rounding the decimals through double would move one of them by an ulp).
     */
    private static final float[] THRESHOLDS = {
        -0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f,
        -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
        0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
        0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f,
    };

    /**
     * bitsandbytes' dQuantizeNF4: the code of a normalised value, i.e. how many thresholds it exceeds (a value equal
     * to a threshold takes the lower code; NaN exceeds none and gives 0, as on the GPU). Four steps of a branch-free
     * binary search: the kernel's decision tree branches on random data and mispredicts about half the time.
     */
    public static int encode(float x) {
        int i = x > THRESHOLDS[7] ? 8 : 0;
        i += x > THRESHOLDS[i + 3] ? 4 : 0;
        i += x > THRESHOLDS[i + 1] ? 2 : 0;
        i += x > THRESHOLDS[i] ? 1 : 0;
        return i;
    }
}
