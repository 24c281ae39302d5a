package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** clean-fid golden cases (families {@code fid} and {@code kid}). */
class GenerativeMetricsTest {

    @TestFactory
    Stream<DynamicTest> fidCasesMatchCleanFid() {
        return Fixtures.cases("fid").stream().map(c -> DynamicTest.dynamicTest(
                c.get("id").asText(), () -> {
                    String id = c.get("id").asText();
                    MetricResult r = FrechetInceptionDistance.compute(
                            FeatureMatrix.readCsv(Fixtures.input(c.get("inputs").get("feats1"))),
                            FeatureMatrix.readCsv(Fixtures.input(c.get("inputs").get("feats2"))));
                    JsonNode e = c.get("expected");
                    // README tolerances: 1e-8 relative, 1e-6 on near-singular covariances,
                    // 1e-8 absolute where the true value is 0.
                    double rel = id.contains("near_singular") ? 1e-6 : 1e-8;
                    double abs = id.contains("same_set") ? 1e-8 : 0;
                    Fixtures.close(id + " fid", e.get("fid"), r.get("fid"), rel, abs);
                    Fixtures.close(id + " trace_sigma1", e.get("trace_sigma1"),
                            r.get("trace_sigma1"), 1e-12, 0);
                    Fixtures.close(id + " trace_sigma2", e.get("trace_sigma2"),
                            r.get("trace_sigma2"), 1e-12, 0);
                    assertFalse((Boolean) r.values().get("eps_fallback_used"));
                }));
    }

    @TestFactory
    Stream<DynamicTest> kidCasesMatchCleanFid() {
        return Fixtures.cases("kid").stream().map(c -> DynamicTest.dynamicTest(
                c.get("id").asText(), () -> {
                    String id = c.get("id").asText();
                    JsonNode p = c.get("params");
                    KernelInceptionDistance kid = new KernelInceptionDistance(
                            p.get("num_subsets").asInt(), p.get("max_subset_size").asInt(),
                            p.get("numpy_seed").asLong());
                    JsonNode in = c.get("inputs");
                    FeatureMatrix f1 = FeatureMatrix.readCsv(Fixtures.input(in.get("feats1")));
                    FeatureMatrix f2 = FeatureMatrix.readCsv(Fixtures.input(in.get("feats2")));
                    Fixtures.close(id + " kid", c.get("expected").get("kid"), kid.compute(f1, f2),
                            1e-10, 0);
                    JsonNode idx = c.get("inputs").get("subset_indices");
                    if (idx != null) {
                        int[][][] draws = kid.draws(f1.rows(), f2.rows());
                        try (BufferedReader r = Files.newBufferedReader(Fixtures.input(idx))) {
                            String line;
                            while ((line = r.readLine()) != null) {
                                String[] f = line.split(",");
                                int subset = Integer.parseInt(f[0]);
                                int set = Integer.parseInt(f[1]);
                                int[] expected = new int[f.length - 2];
                                for (int i = 2; i < f.length; i++) {
                                    expected[i - 2] = Integer.parseInt(f[i]);
                                }
                                assertArrayEquals(expected, draws[subset][set == 2 ? 0 : 1],
                                        id + " subset " + subset + " set " + set);
                            }
                        }
                    }
                }));
    }
}
