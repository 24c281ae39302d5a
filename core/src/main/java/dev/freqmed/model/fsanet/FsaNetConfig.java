package dev.freqmed.model.fsanet;

import dev.freqmed.backbone.PvtV2Config;
import java.util.List;

/**
 * FSANet configuration: network widths, the input sides and the multi-scale rates (spec §2, §4).
 * The optimiser, schedule and batch size live in the training config ({@code train:} section).
 *
 * <p>Width scaling: {@code widthDivisor} divides the PVT-v2-b2 stage widths (64/128/320/512; head
 * counts kept) and the ResNet base width (64); every CSFM/HCF width derives from those, as in the
 * reference. {@code neckChannels} is the HCF/SFF width (64 in the paper).
 *
 * @param widthDivisor   1 for the paper network; 2, 4 or 8 for reduced width
 * @param pvtDepths      transformer blocks per PVT stage (3, 4, 6, 3)
 * @param resnetDepths   bottlenecks per ResNet stage of the frequency encoder (3, 4, 6, 3)
 * @param neckChannels   HCF output and SFF width (64)
 * @param radius         high-pass radius in absolute frequency bins (100)
 * @param dropPathRate   PVT stochastic depth (0.1)
 * @param trainSize      base training side, multiple of 32 (736)
 * @param testSize       inference side, multiple of 32 (992)
 * @param scaleRates     multi-scale rates, one optimiser step each (0.75, 1, 1.25)
 * @param weightedBce    false reproduces the reference (plain mean BCE); true the intended
 *                       edge-weighted BCE
 * @param strictSize     refuse sizes that are not multiples of 32 instead of rounding them to the
 *                       nearest multiple
 */
public record FsaNetConfig(
        int widthDivisor,
        List<Integer> pvtDepths,
        List<Integer> resnetDepths,
        int neckChannels,
        double radius,
        double dropPathRate,
        int trainSize,
        int testSize,
        List<Double> scaleRates,
        boolean weightedBce,
        boolean strictSize) {

    /** Validates every field, naming the offending one. */
    public FsaNetConfig {
        if (widthDivisor <= 0 || 64 % widthDivisor != 0 || 320 % widthDivisor != 0) {
            throw new IllegalArgumentException("widthDivisor must divide 64 and 320 (1, 2, 4, 8 "
                    + "...), found " + widthDivisor);
        }
        pvtDepths = List.copyOf(pvtDepths);
        resnetDepths = List.copyOf(resnetDepths);
        scaleRates = List.copyOf(scaleRates);
        if (resnetDepths.size() != 4 || resnetDepths.stream().anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("resnetDepths must be 4 positive values, found "
                    + resnetDepths);
        }
        if (neckChannels < 4 || neckChannels % 4 != 0) {
            throw new IllegalArgumentException("neckChannels must be a positive multiple of 4, "
                    + "found " + neckChannels);
        }
        if (!(radius > 0)) {
            throw new IllegalArgumentException("radius must be > 0, found " + radius);
        }
        checkSize("trainSize", trainSize, strictSize);
        checkSize("testSize", testSize, strictSize);
        if (scaleRates.isEmpty() || scaleRates.stream().anyMatch(r -> !(r > 0))) {
            throw new IllegalArgumentException("scaleRates must be positive, found " + scaleRates);
        }
        pvt(widthDivisor, pvtDepths, dropPathRate);
    }

    private static void checkSize(String name, int size, boolean strict) {
        if (size < 32 || (strict && size % 32 != 0)) {
            throw new IllegalArgumentException(name + " must be a multiple of 32 of at least 32"
                    + (strict ? " (strictSize is on)" : "") + ", found " + size);
        }
    }

    /** {@code size} rounded to the nearest multiple of 32 (at least 32), the network stride. */
    public static int roundToStride(int size) {
        return Math.max(32, Math.round(size / 32f) * 32);
    }

    /** The training side actually used: {@code trainSize} rounded to a multiple of 32. */
    public int trainSide() {
        return roundToStride(trainSize);
    }

    /** The inference side actually used: {@code testSize} rounded to a multiple of 32. */
    public int testSide() {
        return roundToStride(testSize);
    }

    /**
     * The sides of the multi-scale steps (spec §4): round(trainSide · rate / 32) · 32 for each
     * rate, in order, e.g. 544, 736, 928 for 736 and rates 0.75, 1, 1.25.
     */
    public List<Integer> trainingSides() {
        // Python's round() is half-to-even, hence rint.
        return scaleRates.stream().map(r -> (int) Math.max(32,
                Math.rint(trainSide() * r / 32.0) * 32)).toList();
    }

    private static PvtV2Config pvt(int divisor, List<Integer> depths, double dropPath) {
        PvtV2Config b2 = PvtV2Config.b2();
        return new PvtV2Config(b2.embedDims().stream().map(d -> d / divisor).toList(),
                b2.numHeads(), depths, b2.mlpRatios(), b2.srRatios(), dropPath);
    }

    /** The PVT-v2 backbone configuration these values give. */
    public PvtV2Config pvtConfig() {
        return pvt(widthDivisor, pvtDepths, dropPathRate);
    }

    /** The ResNet base width, 64 / widthDivisor. */
    public int resnetWidth() {
        return 64 / widthDivisor;
    }

    /** The paper's network: 736 training side (rates 0.75/1/1.25), 992 test side. */
    public static FsaNetConfig paper() {
        return new FsaNetConfig(1, List.of(3, 4, 6, 3), List.of(3, 4, 6, 3), 64, 100.0, 0.1,
                736, 992, List.of(0.75, 1.0, 1.25), false, false);
    }

    /**
     * A test-sized network: widths / 8, one block per stage, neck 16, radius 8 at 64 px.
     */
    public static FsaNetConfig tiny() {
        return new FsaNetConfig(8, List.of(1, 1, 1, 1), List.of(1, 1, 1, 1), 16, 8.0, 0.0,
                64, 64, List.of(1.0), false, false);
    }

    /**
     * A CPU-trainable network: widths / 4, depths 2/2/2/2 and 1/1/1/1, neck 32, 256 px, radius 35
     * bins (the share of the spectrum the paper removes at 736).
     */
    public static FsaNetConfig cpu() {
        return new FsaNetConfig(4, List.of(2, 2, 2, 2), List.of(1, 1, 1, 1), 32, 35.0, 0.1,
                256, 256, List.of(0.75, 1.0, 1.25), false, false);
    }
}
