package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepContextTest {

    private static Parameter parameter(NDManager m, String name) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .build();
        NDArray w = m.ones(new ai.djl.ndarray.types.Shape(3));
        w.setRequiresGradient(true);
        p.setArray(w);
        return p;
    }

    /** The skip warning names the parameters whose gradient is not finite, or the largest. */
    @Test
    void nonFiniteGradientsNamesTheCulprits() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> params = new LinkedHashMap<>();
            params.put("a.weight", parameter(m, "weight"));
            params.put("b.weight", parameter(m, "weight"));
            params.put("c.bias", parameter(m, "bias"));
            NDArray big = m.create(new float[] {1f, 3e25f, 2f});
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = params.get("a.weight").getArray().mul(m.create(new float[] {1f, 2f, 3f}))
                        .sum()
                        .add(params.get("b.weight").getArray().mul(big).sum())
                        .add(params.get("c.bias").getArray().sum());
                gc.backward(loss);
            }
            assertEquals("largest elements: b.weight 3.0E25; a.weight 3.0; c.bias 1.0",
                    StepContext.nonFiniteGradients(params));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = params.get("c.bias").getArray()
                        .mul(m.create(new float[] {1f, Float.NaN, 1f})).sum()
                        .add(params.get("a.weight").getArray().sum());
                gc.backward(loss);
            }
            assertEquals("c.bias (1 parameter)", StepContext.nonFiniteGradients(params));
        }
    }
}
