package dev.freqmed.backbone;

import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** LPIPS-VGG weights given by formulas, the same as the PyTorch run of {@link LpipsVggTest}. */
public final class LpipsFixtures {

    private LpipsFixtures() {
    }

    /** VGG16 features with weights sqrt(2/fan_in)·1.4·sin(0.7 j + 1.3 i), biases 0.01 cos(j + i). */
    public static Map<String, HostTensor> vgg() {
        Map<String, HostTensor> sd = new LinkedHashMap<>();
        int in = 3;
        for (int i = 0; i < LpipsVgg.CONV_INDEX.length; i++) {
            int out = LpipsVgg.CONV_OUT[i];
            int fan = in * 9;
            float[] w = new float[out * fan];
            for (int j = 0; j < w.length; j++) {
                w[j] = (float) (Math.sqrt(2.0 / fan) * 1.4 * Math.sin(0.7 * j + 1.3 * i));
            }
            float[] b = new float[out];
            for (int j = 0; j < out; j++) {
                b[j] = (float) (0.01 * Math.cos(j + i));
            }
            String p = "features." + LpipsVgg.CONV_INDEX[i] + ".";
            sd.put(p + "weight", HostTensor.of(DType.FLOAT32, new long[] {out, in, 3, 3}, w));
            sd.put(p + "bias", HostTensor.of(DType.FLOAT32, new long[] {out}, b));
            in = out;
        }
        return sd;
    }

    /** The five heads, 0.1·|cos(0.3 j + k)|. */
    public static Map<String, HostTensor> lins() {
        Map<String, HostTensor> sd = new LinkedHashMap<>();
        for (int k = 0; k < LpipsVgg.TAP_CHANNELS.length; k++) {
            int ch = LpipsVgg.TAP_CHANNELS[k];
            float[] w = new float[ch];
            for (int j = 0; j < ch; j++) {
                w[j] = (float) (0.1 * Math.abs(Math.cos(0.3 * j + k)));
            }
            sd.put("lin" + k + ".model.1.weight", HostTensor.of(DType.FLOAT32,
                    new long[] {1, ch, 1, 1}, w));
        }
        return sd;
    }
}
