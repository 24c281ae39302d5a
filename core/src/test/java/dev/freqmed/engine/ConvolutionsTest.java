package dev.freqmed.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Known-answer checks in this process of the path the router chose for each class (what every
 * network here runs) and of the kernel-free im2col path, against float64 on ATen's own kernels.
 */
class ConvolutionsTest {

    @ParameterizedTest
    @EnumSource(ConvClass.class)
    void routedPathComputesEveryCheckedShapeCorrectly(ConvClass c) {
        ConvPath routed = ConvRouter.pathFor(c);
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            TaskResult r = KnownAnswerCheck.checkClass(m, c, routed, null);
            assertTrue(r.passed(), r.toString());
            assertEquals(2 * ConvCase.forClass(c).size(), r.cases());
        }
    }

    @ParameterizedTest
    @EnumSource(ConvClass.class)
    void im2colPathComputesEveryCheckedShapeCorrectly(ConvClass c) {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            TaskResult r = KnownAnswerCheck.checkClass(m, c, ConvPath.IM2COL, null);
            assertTrue(r.passed(), r.toString());
        }
    }

    @Test
    void anInjectedWrongResultFailsTheCheck() {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            TaskResult r = KnownAnswerCheck.checkClass(m, ConvClass.POINTWISE, ConvPath.IM2COL,
                    "wrong");
            assertEquals("fail", r.status());
            assertTrue(r.worstError() > 1e-2, r.toString());
        }
    }

    @Test
    void relativeErrorSeesNanAndScale() {
        assertTrue(Double.isNaN(KnownAnswerCheck.relativeError(new float[] {1, Float.NaN},
                new float[] {1, 2})));
        assertEquals(0.25, KnownAnswerCheck.relativeError(new float[] {1, 1.5f},
                new float[] {1, 2}), 1e-12);
    }

    @Test
    void paddedPathKeepsShapesAndFreesNothingItDoesNotOwn() {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager();
                NDManager params = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray w = params.randomNormal(new Shape(5, 20, 3, 3));
            NDArray b = params.randomNormal(new Shape(5));
            int before = params.getManagedArrays().size();
            try (NDManager batch = m.newSubManager()) {
                NDArray x = batch.randomNormal(new Shape(2, 20, 9, 7));
                NDArray y = Convolutions.conv2d(ConvPath.PADDED, x, w, b, new Shape(2, 2),
                        new Shape(1, 1), new Shape(1, 1), 1);
                assertEquals(new Shape(2, 5, 5, 4), y.getShape());
                NDArray ref = Convolutions.conv2d(ConvPath.IM2COL, x, w, b, new Shape(2, 2),
                        new Shape(1, 1), new Shape(1, 1), 1);
                assertTrue(y.sub(ref).abs().max().getFloat() < 1e-4);
            }
            // Arrays made from the weights belong to the batch, not to the weights' manager.
            assertEquals(before, params.getManagedArrays().size());
        }
    }
}
