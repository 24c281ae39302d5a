package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binary family's protocols on a 4x4 case small enough to follow by hand.
 *
 * <p>Ground truth: one foreground pixel (255) at row 0, column 2. Prediction: 255 on the 2x2
 * block rows 0-1, columns 2-3.
 *
 * <p>Native (16 pixels): TP 1, FP 3, FN 0, TN 12, so precision 1/4, sensitivity 1, F1 2/5,
 * accuracy 13/16, IoU 1/4.
 *
 * <p>Reference at side 2 (PIL bilinear 4 to 2: the support is 2 input pixels on each side, so
 * output 0 weighs inputs 0, 1, 2 by 3/7, 3/7, 1/7 and output 1 weighs inputs 1, 2, 3 by 1/7, 3/7,
 * 3/7, rounded to bytes after each pass):
 * <ul>
 * <li>truth row 0 (0, 0, 255, 0) becomes (36, 109), then the columns (36, 0, 0, 0) and
 *     (109, 0, 0, 0) become (15, 0) and (47, 0): two non-zero bytes, so the truth is
 *     {(0,0), (0,1)};
 * <li>prediction rows 0 and 1 (0, 0, 255, 255) become (36, 219), then the columns
 *     (36, 36, 0, 0) and (219, 219, 0, 0) become (31, 5) and (188, 31): only 188 is above 127, so
 *     the prediction is {(0,1)}.
 * </ul>
 * TP 1, FP 0, FN 1, TN 2: precision 1, sensitivity 1/2, F1 2/3, accuracy 3/4, IoU 1/2.
 */
class BinaryFamilyTest {

    @TempDir
    Path tmp;

    private Path[] write(int truthForeground, int[] prediction, int predSide) throws IOException {
        Path p = Files.createDirectories(tmp.resolve("pred"));
        Path g = Files.createDirectories(tmp.resolve("gt"));
        int[] truth = new int[16];
        truth[2] = truthForeground;
        ImageIo.writeGray8(g.resolve("case.png"), new GrayImage(4, 4, 8, truth));
        ImageIo.writeGray8(p.resolve("case.png"), new GrayImage(predSide, predSide, 8,
                prediction));
        return new Path[] {p, g};
    }

    private static int[] blockPrediction() {
        int[] pred = new int[16];
        for (int y = 0; y < 2; y++) {
            for (int x = 2; x < 4; x++) {
                pred[y * 4 + x] = 255;
            }
        }
        return pred;
    }

    private static Map<String, Object> evaluate(Path[] f, BinaryProtocol protocol, Integer size)
            throws IOException {
        return MetricRegistry.family("binary").evaluate(EvaluationRequest.builder()
                .setPredictions(f[0]).setTruth(f[1]).optProtocol(protocol).optSize(size).build())
                .values();
    }

    private static void assertNative(Map<String, Object> r) {
        assertEquals("native", r.get("protocol"));
        assertFalse(r.containsKey("size"));
        assertEquals(List.of(List.of(12L, 3L), List.of(0L, 1L)), r.get("confusion"));
        assertEquals(0.25, (double) r.get("precision"), 1e-15);
        assertEquals(1.0, (double) r.get("sensitivity"), 1e-15);
        assertEquals(0.4, (double) r.get("f1"), 1e-15);
        assertEquals(13.0 / 16.0, (double) r.get("accuracy"), 1e-15);
        assertEquals(0.25, (double) r.get("jaccard_score"), 1e-15);
    }

    private static void assertReference(Map<String, Object> r) {
        assertEquals("reference", r.get("protocol"));
        assertEquals(2, r.get("size"));
        assertEquals(List.of(List.of(2L, 0L), List.of(1L, 1L)), r.get("confusion"));
        assertEquals(1.0, (double) r.get("precision"), 1e-15);
        assertEquals(0.5, (double) r.get("sensitivity"), 1e-15);
        assertEquals(2.0 / 3.0, (double) r.get("f1"), 1e-15);
        assertEquals(0.75, (double) r.get("accuracy"), 1e-15);
        assertEquals(0.5, (double) r.get("jaccard_score"), 1e-15);
    }

    @Test
    void referenceAndNativeProtocolsScoreAtTheirOwnSizes() throws IOException {
        Path[] f = write(255, blockPrediction(), 4);
        assertNative(evaluate(f, null, null));
        assertNative(evaluate(f, BinaryProtocol.NATIVE, null));
        assertReference(evaluate(f, BinaryProtocol.REFERENCE, 2));
    }

    @Test
    void referenceProtocolTakesTheSideOfSquarePredictionsAtInputSize() throws IOException {
        // The network's 2x2 output itself: only (0,1) above 0.5.
        Path[] f = write(255, new int[] {0, 255, 0, 0}, 2);
        assertReference(evaluate(f, BinaryProtocol.REFERENCE, null));
        assertReference(evaluate(f, BinaryProtocol.REFERENCE, 2));
    }

    @Test
    void zeroOneMasksCountNonZeroAsForeground() throws IOException {
        Path[] f = write(1, blockPrediction(), 4);
        assertNative(evaluate(f, BinaryProtocol.NATIVE, null));
        assertReference(evaluate(f, BinaryProtocol.REFERENCE, 2));
    }

    @Test
    void sizeBelongsToTheReferenceProtocolAndNonSquareMapsNeedIt() throws IOException {
        Path[] f = write(255, blockPrediction(), 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> evaluate(f, BinaryProtocol.NATIVE, 2));
        assertTrue(e.getMessage().contains("'size'") && e.getMessage().contains("reference"),
                e.getMessage());
        Files.delete(f[0].resolve("case.png"));
        ImageIo.writeGray8(f[0].resolve("case.png"), new GrayImage(4, 2, 8, new int[8]));
        IOException io = assertThrows(IOException.class,
                () -> evaluate(f, BinaryProtocol.REFERENCE, null));
        assertTrue(io.getMessage().contains("case.png") && io.getMessage().contains("4x2")
                && io.getMessage().contains("'size'"), io.getMessage());
    }

    @Test
    void protocolNamesAreParsedAndUnknownOnesListed() {
        assertEquals(BinaryProtocol.REFERENCE, BinaryProtocol.parse("reference"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BinaryProtocol.parse("keras"));
        assertTrue(e.getMessage().contains("native, reference"), e.getMessage());
    }
}
