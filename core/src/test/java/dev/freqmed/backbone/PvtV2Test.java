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

class PvtV2Test {

    @Test
    void layerBlockMatchesReference() throws Exception {
        ReferenceFixture f = ReferenceFixture.load("pvt_block");
        try (NDManager m = NDManager.newBaseManager()) {
            PvtV2LayerBlock block = new PvtV2LayerBlock(16, 2, 4, 2, 0.0);
            block.initialize(m, DataType.FLOAT32, new Shape(2, 4, 4, 16));
            f.loadInto(block);
            // Reference input is (B, N, C) tokens of a 4x4 grid.
            NDArray x = f.inputs(m).get(0).reshape(2, 4, 4, 16);
            NDArray y = block.forward(new ParameterStore(m, false), new NDList(x), false)
                    .singletonOrThrow().reshape(2, 16, 16);
            float diff = y.sub(f.output(m)).abs().max().getFloat();
            assertTrue(diff < 1e-5, "max abs difference " + diff);
        }
    }

    @Test
    void b2HasReferenceParameterCountAndKeys() {
        try (NDManager m = NDManager.newBaseManager()) {
            PvtV2 pvt = new PvtV2(PvtV2Config.b2(), 3);
            pvt.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            Map<String, Parameter> p = StateDicts.parameters(pvt);
            assertEquals(332, p.size());
            long total = p.values().stream().mapToLong(q -> q.getArray().size()).sum();
            assertEquals(24_849_856L, total);
            assertEquals(new Shape(64, 3, 7, 7), p.get("patch_embed1.proj.weight").getArray()
                    .getShape());
            assertEquals(new Shape(1024, 1, 3, 3), p.get("block2.3.mlp.dwconv.dwconv.weight")
                    .getArray().getShape());
            assertTrue(p.containsKey("block3.5.attn.sr.weight"));
            assertTrue(!p.containsKey("block4.0.attn.sr.weight"));
        }
    }

    @Test
    void reducedWidthShapeTrace() {
        try (NDManager m = NDManager.newBaseManager()) {
            PvtV2Config c = PvtV2Config.b2().scaled(8, List.of(1, 1, 1, 1));
            PvtV2 pvt = new PvtV2(c, 3);
            pvt.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            NDList out = pvt.forward(new ParameterStore(m, false),
                    new NDList(m.randomNormal(new Shape(2, 3, 64, 96))), false);
            assertEquals(new Shape(2, 8, 16, 24), out.get(0).getShape());
            assertEquals(new Shape(2, 16, 8, 12), out.get(1).getShape());
            assertEquals(new Shape(2, 40, 4, 6), out.get(2).getShape());
            assertEquals(new Shape(2, 64, 2, 3), out.get(3).getShape());
        }
    }
}
