package dev.freqmed.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.ParameterStore;
import dev.freqmed.data.FloatImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class SlidingWindowInfererTest {

    /** A task whose "network" maps each pixel to two channels, 2x + 1 and x², stride 8. */
    static final class PointwiseTask implements InferenceAdapter {
        final List<Shape> seen = new ArrayList<>();

        @Override
        public PreparedImage preprocess(FloatImage image) {
            return new PreparedImage(image, image);
        }

        @Override
        public NDList forward(Block network, ParameterStore ps, NDArray windows) {
            seen.add(windows.getShape());
            NDArray y = network.forward(ps, new NDList(windows), false).head();
            y.setName("MAP");
            return new NDList(y);
        }

        @Override
        public Prediction postprocess(NDManager manager, Map<String, FloatImage> maps,
                PreparedImage prepared) {
            return new Prediction(Map.of(PredictionOutput.IMAGE, maps.get("MAP")), Map.of());
        }

        @Override
        public int stride() {
            return 8;
        }

        @Override
        public int margin() {
            return 8;
        }

        @Override
        public PredictionWriter writer(double threshold) {
            throw new UnsupportedOperationException();
        }
    }

    private static final Block NET = new LambdaBlock(l -> {
        NDArray x = l.head();
        return new NDList(x.mul(2).add(1).concat(x.mul(x), 1));
    });

    private static FloatImage image(int h, int w) {
        Random r = new Random(h * 31L + w);
        float[] v = new float[h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat();
        }
        return new FloatImage(1, h, w, v);
    }

    @Test
    void windowsOfAPointwiseNetworkReproduceTheWholeImage() {
        FloatImage img = image(70, 53);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, FloatImage> whole = SlidingWindowInferer.whole()
                    .run(m, NET, new PointwiseTask(), img);
            FloatImage ref = whole.get("MAP");
            assertEquals(2, ref.channels());
            assertEquals(70, ref.height());
            assertEquals(53, ref.width());
            assertEquals(2 * img.data()[0] + 1, ref.data()[0], 1e-6);
            for (SlidingWindowInferer.Blending b : SlidingWindowInferer.Blending.values()) {
                PointwiseTask task = new PointwiseTask();
                FloatImage tiled = new SlidingWindowInferer(32, 8, 3, b, null)
                        .run(m, NET, task, img).get("MAP");
                assertArrayEquals(ref.data(), tiled.data(), 1e-5f, b.name());
                // 72x56 padded: 3 x 2 windows of 32 (stride 24, last flush), in batches of 3.
                assertEquals(2, task.seen.size());
                assertEquals(new Shape(3, 1, 32, 32), task.seen.get(0));
            }
        }
    }

    @Test
    void windowsMustBeMultiplesOfTheStrideAndOverlapAtLeastTheMargin() {
        FloatImage img = image(64, 64);
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SlidingWindowInferer(30, 8, 1, SlidingWindowInferer.Blending.LINEAR,
                            null).run(m, NET, new PointwiseTask(), img));
            assertTrue(e.getMessage().contains("multiple of the network's stride 8"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new SlidingWindowInferer(32, 4, 1, SlidingWindowInferer.Blending.LINEAR,
                            null).run(m, NET, new PointwiseTask(), img));
            assertTrue(e.getMessage().contains("margin of 8"), e.getMessage());
        }
    }

    @Test
    void progressIsReportedAndAnInterruptCancels() {
        FloatImage img = image(64, 64);
        List<int[]> calls = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            new SlidingWindowInferer(32, 8, 2, SlidingWindowInferer.Blending.LINEAR,
                    (d, t) -> calls.add(new int[] {d, t})).run(m, NET, new PointwiseTask(), img);
            assertEquals(List.of(2, 4, 6, 8, 9), calls.stream().map(c -> c[0]).toList());
            assertEquals(9, calls.get(0)[1]);
            Thread.currentThread().interrupt();
            assertThrows(CancellationException.class, () -> new SlidingWindowInferer(32, 8, 2,
                    SlidingWindowInferer.Blending.LINEAR, null).run(m, NET, new PointwiseTask(),
                    img));
            assertTrue(!Thread.currentThread().isInterrupted());
        }
    }

    @Test
    void windowOriginsEndFlushWithTheBorder() {
        assertArrayEquals(new int[] {0}, SlidingWindowInferer.starts(30, 32, 24));
        assertArrayEquals(new int[] {0, 24, 32}, SlidingWindowInferer.starts(64, 32, 24));
    }
}
