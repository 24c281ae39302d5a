package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Order and error determinism of the per-image parallel runner. */
class ParallelImagesTest {

    @Test
    void resultsKeepTheImageOrder() {
        List<Integer> r = ParallelImages.map(200, i -> i * i);
        for (int i = 0; i < 200; i++) {
            assertEquals(i * i, r.get(i));
        }
    }

    @Test
    void theLowestFailingImageIsReported() {
        for (int trial = 0; trial < 20; trial++) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ParallelImages.map(64, i -> {
                        if (i == 17 || i == 40 || i == 63) {
                            throw new IllegalArgumentException("image " + i);
                        }
                        return i;
                    }));
            assertEquals("image 17", e.getMessage());
        }
    }
}
