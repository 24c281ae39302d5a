package dev.freqmed.model.frcunet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.LoadReport;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.WeightFormatException;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.KerasLayouts;
import dev.freqmed.io.weights.WeightImporter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Importing Keras-layout FRCU-Net weights by the spec §6 name table. */
class FrcuNetWeightImportTest {

    private static final Pattern AUTO =
            Pattern.compile("^(depthwise_conv2d|dense|conv3d|conv2d)_(\\d+)$");
    /** Session offsets of a checkpoint from the training script (spec §6.3). */
    private static final Map<String, Integer> OFFSET =
            Map.of("depthwise_conv2d", 4, "dense", 3, "conv3d", 1, "conv2d", 15);

    /** A Keras-layout checkpoint holding random values for every table entry. */
    private static Checkpoint kerasCheckpoint(FrcuNetConfig config, boolean shiftAutoNames) {
        Random rnd = new Random(3);
        Map<String, HostTensor> root = new LinkedHashMap<>();
        for (FrcuNetKerasNames.Weight w : FrcuNetKerasNames.table(config)) {
            String layer = w.layer();
            Matcher m = AUTO.matcher(layer);
            if (shiftAutoNames && m.matches()) {
                layer = m.group(1) + "_" + (Integer.parseInt(m.group(2)) + OFFSET.get(m.group(1)));
            }
            float[] v = new float[(int) HostTensor.numel(w.kerasShape())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
            root.put(layer + "/" + w.weight() + ":0", HostTensor.of(DType.FLOAT32,
                    w.kerasShape(), v));
        }
        return new Checkpoint(Path.of("frcunet.h5"), "keras-h5", root, Map.of());
    }

    @Test
    void kerasWeightsWithSessionOffsetsFillEveryParameter() throws Exception {
        FrcuNetConfig cfg = FrcuNetConfig.tiny();
        Checkpoint keras = kerasCheckpoint(cfg, true);
        try (NDManager m = NDManager.newBaseManager()) {
            FrcuNet net = new FrcuNet(cfg);
            net.initialize(m, DataType.FLOAT32, new FrcuNetTask(cfg).inputShape());
            LoadReport r = WeightImporter.load(net, keras, LoadOptions.strictDefaults());
            assertTrue(r.isComplete(), r.table());
            Map<String, Parameter> p = StateDicts.parameters(net);
            assertEquals(p.size(), r.loaded().size());
            // the first Conv2D kernel arrives in (out, in, kh, kw) layout
            FrcuNetKerasNames.Weight first = FrcuNetKerasNames.table(cfg).get(0);
            HostTensor k = keras.stateDict().get(first.layer() + "/" + first.weight() + ":0");
            assertArrayEquals(KerasLayouts.conv2d(k).toFloatArray(),
                    p.get(first.key()).getArray().toFloatArray(), 0f);
        }
    }

    @Test
    void aMisShapedKerasWeightIsReportedByName() {
        FrcuNetConfig cfg = FrcuNetConfig.tiny();
        Checkpoint good = kerasCheckpoint(cfg, false);
        Map<String, HostTensor> bad = new LinkedHashMap<>(good.stateDict());
        String victim = List.copyOf(bad.keySet()).get(0);
        bad.put(victim, HostTensor.of(DType.FLOAT32, new long[] {1}, new float[1]));
        Checkpoint c = new Checkpoint(Path.of("bad.h5"), "keras-h5", bad, Map.of());
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> FrcuNetKerasNames.toNetworkKeys(cfg, c));
        assertTrue(e.getMessage().startsWith("bad.h5: "), e.getMessage());
        assertTrue(e.getMessage().contains(victim.substring(0, victim.indexOf(':'))),
                e.getMessage());
    }
}
