package dev.freqmed.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

class DevicesTest {

    @Test
    void parsesEverySpelling() {
        assertEquals(Device.cpu(), Devices.parse("cpu", 0));
        assertEquals(Device.cpu(), Devices.parse(" CPU ", 2));
        assertEquals(Device.cpu(), Devices.parse("auto", 0));
        assertEquals(Device.gpu(0), Devices.parse("auto", 1));
        assertEquals(Device.gpu(0), Devices.parse("gpu", 1));
        assertEquals(Device.gpu(1), Devices.parse("gpu:1", 2));
    }

    @Test
    void autoFollowsTheEngine() {
        Engine engine = Engine.getEngine("PyTorch");
        Device expected = engine.getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
        assertEquals(expected, Devices.parse("auto", engine));
    }

    @Test
    void rejectsUnknownAndMissingDevices() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Devices.parse("tpu", 1));
        assertTrue(e.getMessage().contains("cpu|gpu|gpu:N|auto"), e.getMessage());
        assertTrue(e.getMessage().contains("tpu"), e.getMessage());
        IllegalArgumentException none =
                assertThrows(IllegalArgumentException.class, () -> Devices.parse("gpu", 0));
        assertTrue(none.getMessage().contains("no GPU"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Devices.parse("gpu:2", 2));
        assertThrows(IllegalArgumentException.class, () -> Devices.parse("gpu:-1", 2));
        assertThrows(IllegalArgumentException.class, () -> Devices.parse("gpu:", 2));
        assertThrows(IllegalArgumentException.class, () -> Devices.parse(null, 2));
    }

    @Test
    void describesDevices() {
        assertEquals("cpu", Devices.describe(Device.cpu()));
        assertEquals("gpu:1", Devices.describe(Device.gpu(1)));
    }
}
