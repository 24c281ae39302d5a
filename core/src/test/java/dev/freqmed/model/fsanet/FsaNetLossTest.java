package dev.freqmed.model.fsanet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class FsaNetLossTest {

    @Test
    void matchesReferenceStructureLossWithDeepSupervision() throws Exception {
        JsonNode f = TrainingFixture.root().get("loss");
        try (NDManager m = NDManager.newBaseManager()) {
            NDList preds = new NDList();
            for (JsonNode p : f.get("preds")) {
                preds.add(TrainingFixture.array(m, p));
            }
            NDList mask = new NDList(TrainingFixture.array(m, f.get("mask")));
            assertEquals(f.get("total").asDouble(),
                    new FsaNetLoss().evaluate(mask, preds).getFloat(), 1e-5);
            assertEquals(f.get("weighted_total").asDouble(),
                    new FsaNetLoss(true).evaluate(mask, preds).getFloat(), 1e-5);
            assertEquals(f.get("single").asDouble(),
                    new FsaNetLoss().structure(preds.get(0), mask.get(0)).getFloat(), 1e-5);
        }
    }
}
