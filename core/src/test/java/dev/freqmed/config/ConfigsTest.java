package dev.freqmed.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.model.fpnunet.FpnuNetConfig;
import dev.freqmed.post.HoverPostProcessor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigsTest {

    @Test
    void assignmentsBuildNestedSettingsWithYamlValues() {
        Map<String, Object> m = Configs.assignments(List.of("post.edgeThreshold=0.3",
                "post.minMarkerSize=4", "pixelSkip=true", "normalization=imagenet"));
        assertEquals(Map.of("edgeThreshold", 0.3, "minMarkerSize", 4), m.get("post"));
        assertEquals(Boolean.TRUE, m.get("pixelSkip"));
        assertEquals("imagenet", m.get("normalization"));
        for (String bad : List.of("post.edgeThreshold", "=3", "post..x=1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Configs.assignments(List.of(bad)));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> Configs.assignments(List.of("post=1", "post.x=2")));
        assertTrue(both.getMessage().contains("post.x=2"), both.getMessage());
    }

    /** A nested mapping overrides only the keys it names; the record's others are kept. */
    @Test
    void mergeOverlaysNestedRecordsKeyByKey() {
        FpnuNetConfig base = FpnuNetConfig.cpu();
        FpnuNetConfig m = Configs.merge(base, Configs.assignments(List.of(
                "post.boundaryThreshold=0.5", "sam.mlpDim=192")), "test");
        HoverPostProcessor.Settings d = HoverPostProcessor.Settings.defaults();
        assertEquals(0.5, m.post().boundaryThreshold());
        assertEquals(d.edgeThreshold(), m.post().edgeThreshold());
        assertEquals(d.sobelKernel(), m.post().sobelKernel());
        assertEquals(192, m.sam().mlpDim());
        assertEquals(base.sam().embedDim(), m.sam().embedDim());
        assertEquals(base.uni(), m.uni());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Configs.merge(base, Configs.assignments(List.of("post.nope=1")), "x.yaml"));
        assertTrue(e.getMessage().contains("x.yaml") && e.getMessage().contains("nope"),
                e.getMessage());
    }
}
