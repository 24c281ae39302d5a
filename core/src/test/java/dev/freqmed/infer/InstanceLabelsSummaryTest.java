package dev.freqmed.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The summary row of an instance map: the object count and the objects per class, with a column
 * for every class of the model whether present or not (as a whole-image prediction's summary).
 */
class InstanceLabelsSummaryTest {

    @Test
    void everyClassOfTheModelHasItsCount() {
        // 3 × 2 pixels, objects 1 and 2 of class 2, object 3 of class 3.
        int[] labels = {1, 1, 0, 2, 3, 3};
        int[] types = {2, 2, 0, 2, 3, 3};
        InstanceLabels map = new InstanceLabels(3, 2, labels, types, 3, null, null);

        Map<String, Object> want = new LinkedHashMap<>();
        want.put("nuclei", 3);
        want.put("type_1", 0);
        want.put("type_2", 2);
        want.put("type_3", 1);
        assertEquals(want, map.summary());

        want.put("type_4", 0);
        assertEquals(want, map.summary(5));
        // The whole-image summary of the same objects and classes.
        assertEquals(InstanceLabels.summary(new int[] {2, 2, 3}, 5, 3), map.summary(5));
        // A class beyond the stated count is still counted.
        want.remove("type_4");
        assertEquals(want, map.summary(2));
    }
}
