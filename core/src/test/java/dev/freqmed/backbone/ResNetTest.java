package dev.freqmed.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import dev.freqmed.io.StateDicts;
import org.junit.jupiter.api.Test;

class ResNetTest {

    @Test
    void bottleneckMatchesReference() throws Exception {
        ReferenceFixture f = ReferenceFixture.load("bottleneck");
        try (NDManager m = NDManager.newBaseManager()) {
            BottleneckBlock b = new BottleneckBlock(8, 4, 2, true);
            b.initialize(m, DataType.FLOAT32, new Shape(1, 8, 6, 6));
            f.loadInto(b);
            NDArray y = b.forward(new ParameterStore(m, false), new NDList(f.inputs(m).get(0)),
                    false).singletonOrThrow();
            float diff = y.sub(f.output(m)).abs().max().getFloat();
            assertTrue(diff < 1e-5, "max abs difference " + diff);
        }
    }

    @Test
    void oneChannelResNet50HasReferenceCounts() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet r = new ResNet(1, 64, List.of(3, 4, 6, 3),
                    List.of("layer1", "layer2", "layer3_1", "layer4_1"));
            r.initialize(m, DataType.FLOAT32, new Shape(1, 1, 64, 64));
            Map<String, Parameter> p = StateDicts.parameters(r);
            long trainable = p.entrySet().stream().filter(e -> !e.getKey().contains("running"))
                    .mapToLong(e -> e.getValue().getArray().size()).sum();
            assertEquals(23_501_760L, trainable);
            assertEquals(318, p.size() + ReferenceFixture.batchNormCounters(r).size());
            assertEquals(new Shape(64, 1, 7, 7), p.get("conv1.weight").getArray().getShape());
            assertEquals(new Shape(2048, 1024, 1, 1),
                    p.get("layer4_1.0.downsample.0.weight").getArray().getShape());
        }
    }

    @Test
    void stageShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet r = new ResNet(1, 8, List.of(1, 1, 1, 1),
                    List.of("layer1", "layer2", "layer3", "layer4"));
            r.initialize(m, DataType.FLOAT32, new Shape(1, 1, 64, 64));
            NDList out = r.forward(new ParameterStore(m, false),
                    new NDList(m.randomNormal(new Shape(1, 1, 64, 64))), false);
            for (int k = 0; k < 4; k++) {
                assertEquals(new Shape(1, 32L << k, 16 >> k, 16 >> k), out.get(k).getShape());
            }
        }
    }
}
