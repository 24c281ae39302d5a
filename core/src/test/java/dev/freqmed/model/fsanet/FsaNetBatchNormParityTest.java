package dev.freqmed.model.fsanet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.freqmed.backbone.ReferenceFixture;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.LoadReport;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.SeededStateDict;
import dev.freqmed.io.StateDicts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The paper-size network against the reference outputs stored in
 * {@code testdata/fsanet/parity-bn.safetensors}: both sides get the same {@link SeededStateDict}
 * weights, so every BatchNorm layer has non-trivial running statistics and affine terms, and run
 * in inference mode on the same 192 × 192 input.
 */
class FsaNetBatchNormParityTest {

    private static final double TOLERANCE = 1e-5;

    @Test
    void paperNetworkMatchesTheReferenceWithSeededBatchNormStatistics() throws Exception {
        Safetensors.Contents fixture = Safetensors.read(
                ReferenceFixture.TESTDATA.resolve("fsanet/parity-bn.safetensors"));
        double gain = Double.parseDouble(fixture.metadata().get("gain"));
        HostTensor input = fixture.tensors().get("input");
        assertArrayEquals(new long[] {1, 3, 192, 192}, input.shape());
        try (NDManager m = NDManager.newBaseManager()) {
            FsaNet net = new FsaNet(FsaNetConfig.paper());
            net.initialize(m, DataType.FLOAT32, new Shape(input.shape()));
            Map<String, Parameter> params = StateDicts.parameters(net);
            Map<String, HostTensor> seeded = SeededStateDict.of(net, gain);

            // The seeded state is not the initial one: every tensor but the filter radius
            // changes, the 124 BatchNorm running variances among them.
            List<String> unchanged = new ArrayList<>();
            int runningVars = 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                float[] fresh = HostTensor.fromNDArray(e.getValue().getArray()).toFloatArray();
                if (Arrays.equals(fresh, seeded.get(e.getKey()).toFloatArray())) {
                    unchanged.add(e.getKey());
                } else if (e.getKey().endsWith(".running_var")) {
                    runningVars++;
                }
            }
            assertEquals(List.of("frequency.radius"), unchanged);
            assertEquals(124, runningVars);

            LoadReport report = StateDicts.load(net, seeded, LoadOptions.strictDefaults());
            assertEquals(params.size(), report.loaded().size());
            assertTrue(report.ignored().isEmpty(), report.table());

            NDArray x = input.toNDArray(m);
            NDList out = net.forward(new ParameterStore(m, false), new NDList(x), false);
            assertEquals(FsaNet.OUTPUTS.size(), out.size());
            StringBuilder diffs = new StringBuilder("max |FreqMed - reference|:");
            boolean ok = true;
            for (int i = 0; i < out.size(); i++) {
                String name = FsaNet.OUTPUTS.get(i);
                HostTensor ref = fixture.tensors().get(name);
                assertEquals(new Shape(ref.shape()), out.get(i).getShape(), name);
                double d = out.get(i).sub(ref.toNDArray(m)).abs().max().getFloat();
                diffs.append(String.format(Locale.ROOT, " %s %.3g", name, d));
                ok &= d <= TOLERANCE;
            }
            System.out.println(diffs);
            assertTrue(ok, diffs.toString());
        }
    }
}
