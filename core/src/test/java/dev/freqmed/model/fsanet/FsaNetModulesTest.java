package dev.freqmed.model.fsanet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import dev.freqmed.backbone.ReferenceFixture;
import org.junit.jupiter.api.Test;

/** Each FSANet module against the PyTorch reference on the stored small cases. */
class FsaNetModulesTest {

    private static void check(String name, AbstractBlock block, Shape init) throws Exception {
        ReferenceFixture f = ReferenceFixture.load(name);
        try (NDManager m = NDManager.newBaseManager()) {
            block.initialize(m, DataType.FLOAT32, init);
            f.loadInto(block);
            NDArray y = block.forward(new ParameterStore(m, false), new NDList(f.inputs(m)),
                    false).singletonOrThrow();
            float diff = y.sub(f.output(m)).abs().max().getFloat();
            assertTrue(diff < 1e-5, name + ": max abs difference " + diff);
        }
    }

    @Test
    void sffMatchesReference() throws Exception {
        check("sff", new SffBlock(8), new Shape(2, 8, 4, 4));
    }

    @Test
    void hcfMatchesReference() throws Exception {
        check("hcf", new HcfBlock(12, 8), new Shape(1, 12, 6, 6));
    }

    @Test
    void seMatchesReference() throws Exception {
        check("se", new SeBlock(32), new Shape(2, 32, 3, 3));
    }

    @Test
    void upAlignCornersMatchesReference() throws Exception {
        check("up", new UpBlock(6, 4, 4), new Shape(1, 6, 3, 5));
    }

    @Test
    void downMatchesReference() throws Exception {
        check("down4", new DownBlock(4, 6, 8), new Shape(1, 4, 8, 8));
    }
}
