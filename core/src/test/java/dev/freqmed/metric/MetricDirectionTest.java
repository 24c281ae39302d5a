package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every metric key says its direction; training monitors are looked up, never guessed. */
class MetricDirectionTest {

    @Test
    void lossesAndErrorsAreMinimisedScoresMaximised() {
        for (String m : List.of("val_fid", "val_kid", "val_hce", "val_mae", "val_loss",
                "train_loss", "val_MAE", "val_HCE")) {
            assertEquals(Direction.MINIMIZE, MetricRegistry.monitor(m).direction(), m);
        }
        for (String m : List.of("val_dice", "val_iou", "val_pooled_dice", "val_accuracy",
                "val_f1", "val_jaccard_score", "val_Smeasure", "val_maxF", "val_pq", "val_aji",
                "val_f1_d", "val_class_mean_dice")) {
            assertEquals(Direction.MAXIMIZE, MetricRegistry.monitor(m).direction(), m);
        }
        assertEquals("MAE", MetricRegistry.key("mae").name());
    }

    @Test
    void unknownMonitorNamesTheValidOnes() {
        for (String bad : List.of("val_dcie", "dice", "val_train_loss", "lr", "val_")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MetricRegistry.monitor(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'")
                    && e.getMessage().contains("val_dice") && e.getMessage().contains("val_loss")
                    && e.getMessage().contains("train_loss"), e.getMessage());
            String valid = e.getMessage().substring(e.getMessage().indexOf("valid:"));
            assertFalse(valid.contains("val_train_loss"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetricRegistry.key("nope"));
        assertTrue(e.getMessage().contains("fid") && e.getMessage().contains("dice"),
                e.getMessage());
    }

    @Test
    void directionComparesAndStartsFromItsWorstValue() {
        assertTrue(Direction.MINIMIZE.isBetter(0.1, Direction.MINIMIZE.worst()));
        assertTrue(Direction.MAXIMIZE.isBetter(-5, Direction.MAXIMIZE.worst()));
        assertTrue(Direction.MINIMIZE.isBetter(0.1, 0.2));
        assertFalse(Direction.MINIMIZE.isBetter(0.2, 0.2));
        assertTrue(Direction.MAXIMIZE.isBetter(0.3, 0.2));
        assertFalse(Direction.MAXIMIZE.isBetter(0.2, 0.2));
    }
}
