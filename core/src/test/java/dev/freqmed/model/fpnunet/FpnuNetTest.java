package dev.freqmed.model.fpnunet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.freqmed.io.StateDicts;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FpnuNetTest {

    @Test
    void tinyShapeTrace() {
        FpnuNetConfig cfg = FpnuNetConfig.tiny();
        try (NDManager m = NDManager.newBaseManager()) {
            FpnuNet net = new FpnuNet(cfg);
            Shape in = new Shape(2, 3, 64, 48);
            net.initialize(m, DataType.FLOAT32, in);
            NDList out = net.forward(new ParameterStore(m, false),
                    new NDList(m.randomUniform(-1, 254, in)), false);
            assertEquals(new Shape(2, 1, 64, 48), out.get(0).getShape());
            assertEquals(new Shape(2, 1, 64, 48), out.get(1).getShape());
            assertEquals(new Shape(2, 2, 64, 48), out.get(2).getShape());
            assertEquals(new Shape(2, 5, 64, 48), out.get(3).getShape());
            Map<String, Parameter> p = StateDicts.parameters(net);
            long total = 0;
            for (Map.Entry<String, Parameter> e : p.entrySet()) {
                total += e.getValue().getArray().size();
            }
            System.out.println("tiny parameters " + total + " tensors " + p.size());
            for (NDArray o : out) {
                assertTrue(Float.isFinite(o.sum().getFloat()));
            }
        }
    }
}
