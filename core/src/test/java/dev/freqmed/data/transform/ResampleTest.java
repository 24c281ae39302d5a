package dev.freqmed.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.freqmed.data.FloatImage;
import org.junit.jupiter.api.Test;

/**
 * Golden values: Pillow 9 {@code Image.fromarray(x, mode='F').resize((w, h), Image.BILINEAR)} on
 * the 7x9 float image {@code (arange(63).reshape(7, 9) ** 1.3) % 17}, printed to 6 decimals.
 */
class ResampleTest {

    private static final float[] INPUT = {0.000000f, 1.000000f, 2.462289f, 4.171167f, 6.062866f, 8.103282f,
        10.270617f, 12.549528f, 14.928527f, 0.398636f, 2.952620f, 5.584497f, 8.289228f, 11.062496f, 13.900562f,
        16.800144f, 2.758339f, 5.772556f, 8.840469f, 11.959957f, 15.129116f, 1.346184f, 4.609554f, 7.917747f,
        11.269382f, 14.663185f, 1.097969f, 4.572624f, 8.086105f, 11.637444f, 15.225723f, 1.850060f, 5.509651f,
        9.203720f, 12.931526f, 16.692375f, 3.485596f, 7.310577f, 11.166687f, 15.053368f, 1.970062f, 5.916252f,
        9.891418f, 13.895081f, 0.926773f, 4.986069f, 9.072510f, 13.185669f, 0.325195f, 4.490662f, 8.681717f,
        12.897995f, 0.139160f, 4.404846f, 8.694763f, 13.008560f, 0.345963f, 4.706680f, 9.090393f, 13.496841f,
        0.925751f, 5.376862f, 9.849930f};

    private static final float[] DOWN_3X4 = {3.863768f, 6.254514f, 10.444561f, 9.417301f, 7.984242f, 9.153602f,
        7.523451f, 10.290318f, 8.186862f, 6.489633f, 7.921097f, 5.801780f};

    private static final float[] UP_14X6 = {0.375000f, 2.164735f, 4.611858f, 7.663959f, 10.789439f, 14.036403f,
        0.620345f, 2.875484f, 5.687175f, 9.067148f, 11.041421f, 11.687859f, 1.111035f, 4.296981f, 7.837809f,
        11.873527f, 11.545385f, 6.990769f, 3.519854f, 6.891121f, 7.676197f, 11.754393f, 11.855087f, 5.027900f,
        7.846803f, 10.657903f, 5.202340f, 8.709744f, 11.970526f, 5.799250f, 8.980252f, 12.119061f, 5.566176f,
        6.565625f, 11.530151f, 8.459208f, 6.920204f, 11.274594f, 8.767706f, 5.322034f, 10.533964f, 13.007774f,
        5.647626f, 10.717564f, 10.341456f, 4.785814f, 10.222974f, 12.909015f, 5.162518f, 10.447968f, 10.287427f,
        4.956965f, 10.597183f, 8.162930f, 5.319594f, 10.331297f, 8.480966f, 5.720199f, 10.132360f, 5.043720f,
        6.118854f, 10.367548f, 4.922072f, 7.075516f, 8.828503f, 3.551383f, 7.466972f, 9.052094f, 3.777817f,
        8.472690f, 7.083992f, 4.147043f, 9.363949f, 6.384933f, 5.048202f, 9.911721f, 4.898825f, 6.830700f,
        10.312437f, 5.051353f, 5.683393f, 10.631237f, 3.806242f, 8.172529f};

    @Test
    void downscaleMatchesPillowBilinearWithAntialias() {
        FloatImage out = Resample.bilinearAntialias(new FloatImage(1, 7, 9, INPUT), 3, 4);
        assertArrayEquals(DOWN_3X4, out.data(), 1e-4f);
    }

    @Test
    void mixedUpAndDownscaleMatchesPillow() {
        FloatImage out = Resample.bilinearAntialias(new FloatImage(1, 7, 9, INPUT), 14, 6);
        assertArrayEquals(UP_14X6, out.data(), 1e-4f);
    }

    @Test
    void channelsAreResizedIndependently() {
        float[] two = new float[126];
        System.arraycopy(INPUT, 0, two, 0, 63);
        for (int i = 0; i < 63; i++) {
            two[63 + i] = 2 * INPUT[i];
        }
        FloatImage out = Resample.bilinearAntialias(new FloatImage(2, 7, 9, two), 3, 4);
        for (int i = 0; i < 12; i++) {
            assertEquals(DOWN_3X4[i], out.data()[i], 1e-4f);
            assertEquals(2 * DOWN_3X4[i], out.data()[12 + i], 2e-4f);
        }
    }

    @Test
    void nearestPicksPixelCentres() {
        FloatImage in = new FloatImage(1, 2, 2, new float[] {1, 2, 3, 4});
        assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4},
                Resample.nearest(in, 4, 4).data());
    }
}
