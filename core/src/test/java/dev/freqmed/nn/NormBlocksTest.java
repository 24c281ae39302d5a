package dev.freqmed.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.freqmed.tensor.TestData;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * GroupNorm and LayerNorm2d against torch 1.13 values in {@code testdata/tensor/norm.json}
 * (field {@code made_with} says how they were made).
 */
class NormBlocksTest {

    private static final double TOL = 1e-5;

    private static float[] run(NDManager manager, Block block, JsonNode input, JsonNode weight,
            JsonNode bias) {
        Shape shape = new Shape(TestData.longs(input.get("shape")));
        block.initialize(manager, DataType.FLOAT32, shape);
        if (weight != null) {
            block.getParameters().get("weight").getArray()
                    .set(FloatBuffer.wrap(TestData.floats(weight)));
            block.getParameters().get("bias").getArray()
                    .set(FloatBuffer.wrap(TestData.floats(bias)));
        }
        NDArray x = manager.create(TestData.floats(input.get("data")), shape);
        NDArray y = block.forward(new ParameterStore(manager, false), new NDList(x), false)
                .singletonOrThrow();
        assertEquals(shape, y.getShape());
        return y.toFloatArray();
    }

    @Test
    void groupNormMatchesTorchWithAndWithoutAffine() {
        JsonNode ref = TestData.json("tensor/norm.json");
        JsonNode gn = ref.get("groupnorm");
        try (NDManager manager = NDManager.newBaseManager()) {
            GroupNormBlock block = GroupNormBlock.builder().setGroups(3).setChannels(6).build();
            List<String> names = block.getParameters().keys();
            assertEquals(List.of("weight", "bias"), names);
            float[] y = run(manager, block, gn.get("input"), gn.get("weight"), gn.get("bias"));
            double err = TestData.maxAbsDiff(TestData.floats(gn.get("output")), y);
            assertTrue(err <= TOL, "affine max abs error " + err);

            GroupNormBlock plain = GroupNormBlock.builder().setGroups(2).setChannels(6)
                    .optEps(1e-3f).optAffine(false).build();
            assertTrue(plain.getParameters().isEmpty());
            float[] y2 = run(manager, plain, gn.get("input"), null, null);
            double err2 = TestData.maxAbsDiff(
                    TestData.floats(ref.get("groupnorm_noaffine").get("output")), y2);
            assertTrue(err2 <= TOL, "no-affine max abs error " + err2);
        }
    }

    @Test
    void layerNorm2dMatchesTorch() {
        JsonNode ln = TestData.json("tensor/norm.json").get("layernorm2d");
        try (NDManager manager = NDManager.newBaseManager()) {
            LayerNorm2dBlock block = LayerNorm2dBlock.builder().setChannels(4).build();
            assertEquals(List.of("weight", "bias"),
                    block.getParameters().keys().stream().collect(Collectors.toList()));
            float[] y = run(manager, block, ln.get("input"), ln.get("weight"), ln.get("bias"));
            double err = TestData.maxAbsDiff(TestData.floats(ln.get("output")), y);
            assertTrue(err <= TOL, "max abs error " + err);
        }
    }

    @Test
    void gradientsReachInputAndParameters() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Block block : new Block[] {
                GroupNormBlock.builder().setGroups(2).setChannels(4).build(),
                LayerNorm2dBlock.builder().setChannels(4).build()
            }) {
                Shape shape = new Shape(2, 4, 3, 3);
                block.initialize(manager, DataType.FLOAT32, shape);
                NDArray x = manager.randomNormal(shape);
                x.setRequiresGradient(true);
                NDArray target = manager.randomNormal(shape);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = block.forward(new ParameterStore(manager, false), new NDList(x),
                            true).singletonOrThrow();
                    gc.backward(y.mul(target).sum());
                }
                assertTrue(x.getGradient().abs().sum().getFloat() > 0, block.toString());
                NDArray gw = block.getParameters().get("weight").getArray().getGradient();
                NDArray gb = block.getParameters().get("bias").getArray().getGradient();
                assertTrue(gw.abs().sum().getFloat() > 0, block.toString());
                assertTrue(gb.abs().sum().getFloat() > 0, block.toString());
                assertEquals(0, gw.isNaN().sum().getLong() + gb.isNaN().sum().getLong());
            }
        }
    }

    @Test
    void rejectsBadConfigurationAndInput() {
        assertThrows(IllegalArgumentException.class,
                () -> GroupNormBlock.builder().setGroups(4).setChannels(6).build());
        assertThrows(IllegalArgumentException.class,
                () -> LayerNorm2dBlock.builder().setChannels(0).build());
        try (NDManager manager = NDManager.newBaseManager()) {
            GroupNormBlock block = GroupNormBlock.builder().setGroups(2).setChannels(4).build();
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 4, 2, 2));
            NDArray wrong = manager.zeros(new Shape(1, 3, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> block.forward(new ParameterStore(manager, false), new NDList(wrong),
                            false));
            assertTrue(e.getMessage().contains("(1, 3, 2, 2)"), e.getMessage());
        }
    }
}
