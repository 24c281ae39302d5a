package dev.freqmed.post;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class LabelingTest {

    /**
     * scipy's binary_fill_holes with its cross structure: background reached from the border
     * through 4-neighbours stays, an enclosed pocket is filled, and so is a pocket that touches
     * the outside only across a corner.
     */
    @Test
    void fillHolesFillsOnlyBackgroundCutOffFromTheBorder() {
        int[] in = {
            0, 0, 0, 0, 0, 0, 0,
            0, 1, 1, 1, 0, 0, 0,
            0, 1, 0, 1, 0, 1, 1,
            0, 1, 1, 1, 1, 0, 1,
            0, 0, 0, 0, 1, 1, 1,
            1, 1, 0, 0, 0, 0, 0,
            0, 1, 0, 0, 0, 0, 0,
        };
        int[] expected = {
            0, 0, 0, 0, 0, 0, 0,
            0, 1, 1, 1, 0, 0, 0,
            0, 1, 1, 1, 0, 1, 1,
            0, 1, 1, 1, 1, 1, 1,
            0, 0, 0, 0, 1, 1, 1,
            1, 1, 0, 0, 0, 0, 0,
            0, 1, 0, 0, 0, 0, 0,
        };
        assertArrayEquals(expected, Labeling.fillHoles(in, 7, 7));
    }

    @Test
    void label4NumbersComponentsInRasterOrderAndRemoveSmallKeepsIds() {
        int[] in = {
            0, 1, 0, 1,
            1, 1, 0, 1,
            0, 0, 1, 0,
        };
        int[] labels = Labeling.label4(in, 3, 4);
        assertArrayEquals(new int[] {0, 1, 0, 2, 1, 1, 0, 2, 0, 0, 3, 0}, labels);
        assertArrayEquals(new int[] {0, 1, 0, 2, 1, 1, 0, 2, 0, 0, 0, 0},
                Labeling.removeSmall(labels, 2));
    }
}
