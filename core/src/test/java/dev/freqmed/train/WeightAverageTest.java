package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightAverageTest {

    private static Map<String, HostTensor> snapshot(float a, float b, long counter) {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("w", HostTensor.of(DType.FLOAT32, new long[] {2}, new float[] {a, b}));
        ByteBuffer c = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, counter);
        m.put("bn.counter", HostTensor.of(DType.INT64, new long[] {1}, c));
        return m;
    }

    @Test
    void floatTensorsAreAveragedAndCountersKeepTheirLatestValue() {
        WeightAverage avg = new WeightAverage();
        avg.add(snapshot(1f, -3f, 10));
        avg.add(snapshot(2f, 5f, 20));
        avg.add(snapshot(6f, 1f, 30));
        assertEquals(3, avg.count());
        assertArrayEquals(new float[] {3f, 1f}, avg.tensors().get("w").toFloatArray(), 1e-6f);
        assertEquals(30L, avg.tensors().get("bn.counter").data().order(ByteOrder.LITTLE_ENDIAN).getLong(0));
    }

    @Test
    void aRestoredAverageContinuesAsIfNeverInterrupted() {
        WeightAverage whole = new WeightAverage();
        whole.add(snapshot(0.1f, 0.7f, 1));
        whole.add(snapshot(0.3f, -0.2f, 2));
        WeightAverage resumed = WeightAverage.restore(whole.tensors(), whole.count());
        whole.add(snapshot(1.9f, 0.05f, 3));
        resumed.add(snapshot(1.9f, 0.05f, 3));
        assertArrayEquals(whole.tensors().get("w").toFloatArray(), resumed.tensors().get("w").toFloatArray(), 0f);
        assertThrows(IllegalArgumentException.class, () -> WeightAverage.restore(Map.of(), 2));
        Map<String, HostTensor> renamed = new LinkedHashMap<>(snapshot(1f, 1f, 4));
        renamed.put("extra", renamed.remove("w"));
        assertThrows(IllegalStateException.class, () -> resumed.add(renamed));
    }
}
