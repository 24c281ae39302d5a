package dev.freqmed.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConvRoutingTest {

    private static Map<ConvClass, Map<ConvPath, Boolean>> allEngine(boolean ok) {
        Map<ConvClass, Map<ConvPath, Boolean>> m = new EnumMap<>(ConvClass.class);
        for (ConvClass c : ConvClass.values()) {
            m.put(c, new EnumMap<>(Map.of(ConvPath.ENGINE, ok)));
        }
        return m;
    }

    @Test
    void passingEngineKeepsTheEngineEverywhere() {
        ConvRouting r = ConvRouting.decide(allEngine(true), "test");
        assertTrue(r.allEngine());
        assertEquals("engine (oneDNN) for every convolution", r.summary());
    }

    @Test
    void eachClassTakesTheFastestPathThatPassed() {
        Map<ConvClass, Map<ConvPath, Boolean>> m = allEngine(true);
        m.put(ConvClass.SPATIAL, new EnumMap<>(Map.of(ConvPath.ENGINE, false,
                ConvPath.PADDED, true)));
        m.put(ConvClass.POINTWISE_STRIDED, new EnumMap<>(Map.of(ConvPath.ENGINE, false,
                ConvPath.PADDED, false, ConvPath.IM2COL, true)));
        ConvRouting r = ConvRouting.decide(m, "test");
        assertEquals(ConvPath.PADDED, r.paths().get(ConvClass.SPATIAL));
        assertEquals(ConvPath.IM2COL, r.paths().get(ConvClass.POINTWISE_STRIDED));
        assertEquals(ConvPath.ENGINE, r.paths().get(ConvClass.GROUPED));
        assertTrue(r.summary().contains("spatial=padded"), r.summary());
    }

    @Test
    void aClassWithNoPassingPathIsAnErrorNamingIt() {
        Map<ConvClass, Map<ConvPath, Boolean>> m = allEngine(true);
        m.put(ConvClass.GROUPED, new EnumMap<>(Map.of(ConvPath.ENGINE, false,
                ConvPath.PADDED, false, ConvPath.IM2COL, false)));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ConvRouting.decide(m, "test"));
        assertTrue(e.getMessage().contains("grouped"), e.getMessage());
        assertTrue(e.getMessage().contains("FREQMED_CONV_PATH=native"), e.getMessage());
    }

    @Test
    void classesFollowKernelStrideAndGroups() {
        assertEquals(ConvClass.GROUPED, ConvClass.of(3, 3, 1, 1, 8));
        assertEquals(ConvClass.POINTWISE, ConvClass.of(1, 1, 1, 1, 1));
        assertEquals(ConvClass.POINTWISE_STRIDED, ConvClass.of(1, 1, 2, 2, 1));
        assertEquals(ConvClass.SPATIAL, ConvClass.of(1, 3, 1, 1, 1));
        assertEquals(ConvClass.SPATIAL_STRIDED, ConvClass.of(7, 7, 4, 4, 1));
    }
}
