package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** HoVer-Net golden cases (family {@code hovernet_type}). */
class NucleusTypeMetricsTest {

    @TestFactory
    Stream<DynamicTest> casesMatchHoverNetTypeStats() {
        return Fixtures.cases("hovernet_type").stream().map(c -> DynamicTest.dynamicTest(
                c.get("id").asText(), () -> {
                    String id = c.get("id").asText();
                    double radius = c.get("params").get("radius").asDouble();
                    NucleusTypeMetrics m = new NucleusTypeMetrics(radius);
                    for (JsonNode im : c.get("inputs").get("images")) {
                        m.update(CentroidCsvReader.read(Fixtures.input(im.get("pred"))),
                                CentroidCsvReader.read(Fixtures.input(im.get("true"))));
                    }
                    MetricResult r = m.result();
                    JsonNode exp = c.get("expected");
                    Fixtures.close(id + " f1_d", exp.get("f1_d"), r.get("f1_d"), 1e-12, 0);
                    Fixtures.close(id + " acc_type", exp.get("acc_type"), r.get("acc_type"), 1e-12,
                            0);
                    Iterator<Map.Entry<String, JsonNode>> it = exp.get("f1_type").fields();
                    int n = 0;
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        Fixtures.close(id + " f1_type " + e.getKey(), e.getValue(),
                                r.nested("f1_type").get(e.getKey()), 1e-12, 0);
                        n++;
                    }
                    assertEquals(n, r.nested("f1_type").scalars().size(), id + " type count");
                    List<MetricResult> pairing = r.list("per_image_pairing");
                    assertEquals(exp.get("per_image_pairing").size(), pairing.size());
                    for (int i = 0; i < pairing.size(); i++) {
                        JsonNode e = exp.get("per_image_pairing").get(i);
                        Map<String, Object> tree = pairing.get(i).toTree();
                        for (String k : List.of("paired", "unpaired_true", "unpaired_pred")) {
                            assertEquals(e.get(k).toString(),
                                    new ObjectMapper()
                                            .writeValueAsString(tree.get(k)), id + " image " + i
                                                    + " " + k);
                        }
                    }
                }));
    }
}
