package dev.freqmed.model.fpnunet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.freqmed.io.StateDicts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FpnuNetKeysTest {

    /** Every key of the reference state dict exists with its shape, and no other. */
    @Test
    void keysAndShapesMatchTheReference() throws Exception {
        Map<String, String> want = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("..", "testdata", "fpnunet",
                "reference-keys.txt"))) {
            String[] kv = line.split(" ");
            if (!kv[0].endsWith("num_batches_tracked")) {
                want.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        Map<String, String> have = new TreeMap<>();
        long newParts = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            FpnuNet net = new FpnuNet(FpnuNetFixtures.keyCheck());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 128, 128));
            for (Map.Entry<String, Parameter> e : StateDicts.parameters(net).entrySet()) {
                Shape s = e.getValue().getArray().getShape();
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < s.dimension(); i++) {
                    b.append(i == 0 ? "" : "x").append(s.get(i));
                }
                have.put(e.getKey(), b.toString());
                if (!e.getKey().startsWith("sam.") && !e.getKey().startsWith("extra_encoder.")
                        && !e.getKey().contains("running_")
                        && !e.getKey().endsWith("haar_kernels")) {
                    newParts += s.size();
                }
            }
        }
        Map<String, String> missing = new TreeMap<>(want);
        have.forEach((k, v) -> missing.remove(k, v));
        Map<String, String> extra = new TreeMap<>(have);
        want.forEach((k, v) -> extra.remove(k, v));
        assertEquals(Map.of(), missing, "reference keys missing or with another shape");
        assertEquals(Map.of(), extra, "keys the reference does not have");
        // Spec §9.4: the new parts hold 5,028,629 parameters.
        assertEquals(5_028_629L, newParts);
    }
}
