package dev.freqmed.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class HostTensorTest {

    @Test
    void bigEndianStoragesAreSwappedPerComponent() {
        ByteBuffer f = ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN);
        f.putFloat(0, 1.5f).putFloat(4, -2f).putFloat(8, 3.25f);
        HostTensor t = HostTensor.view(DType.FLOAT32, new long[] {3}, new long[] {1}, 0, f);
        assertFalse(t.isContiguous());
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, t.toFloatArray(), 0f);
        HostTensor strided = HostTensor.view(DType.FLOAT32, new long[] {2}, new long[] {2}, 0, f);
        assertArrayEquals(new float[] {1.5f, 3.25f}, strided.toFloatArray(), 0f);

        ByteBuffer c = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);
        c.putFloat(0, 1f).putFloat(4, -2f);
        HostTensor z = HostTensor.view(DType.COMPLEX64, new long[] {1}, new long[] {1}, 0, c);
        assertArrayEquals(new float[] {1f, -2f}, z.toFloatArray(), 0f);
        assertEquals(new HostTensor.Stats(-1, 5), z.stats());
    }

    @Test
    void permuteIsAViewAndCopyGathersIt() {
        float[] v = {0, 1, 2, 3, 4, 5};
        HostTensor t = HostTensor.of(DType.FLOAT32, new long[] {2, 3}, v);
        HostTensor p = t.permute(1, 0);
        assertArrayEquals(new long[] {3, 2}, p.shape());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, p.toFloatArray(), 0f);
        assertTrue(p.copy().isContiguous());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, p.reshape(6).toFloatArray(), 0f);
        assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4));
    }

    @Test
    void viewsOutsideTheirStorageAreRefused() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        assertThrows(IllegalArgumentException.class, () -> HostTensor.view(DType.FLOAT32,
                new long[] {5}, new long[] {1}, 0, b));
        assertThrows(IllegalArgumentException.class, () -> HostTensor.view(DType.FLOAT32,
                new long[] {2}, new long[] {1}, 3, b));
        assertThrows(IllegalArgumentException.class, () -> HostTensor.view(DType.FLOAT32,
                new long[] {2}, new long[] {-1}, 1, b));
        assertThrows(IllegalArgumentException.class, () -> HostTensor.view(DType.FLOAT32,
                new long[] {1L << 40, 1L << 40}, new long[] {1, 1}, 0, b));
        // an empty tensor fits any storage
        assertEquals(0, HostTensor.view(DType.FLOAT32, new long[] {0, 7}, new long[] {7, 1}, 99,
                b).numel());
    }

    @Test
    void halfPrecisionDecodesNormalsSubnormalsAndSpecials() {
        assertEquals(1f, HostTensor.halfToFloat((short) 0x3c00));
        assertEquals(-2f, HostTensor.halfToFloat((short) 0xc000));
        assertEquals(65504f, HostTensor.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, HostTensor.halfToFloat((short) 0x0001));
        assertEquals(Float.POSITIVE_INFINITY, HostTensor.halfToFloat((short) 0x7c00));
        assertTrue(Float.isNaN(HostTensor.halfToFloat((short) 0x7e00)));
        assertEquals(-0f, HostTensor.halfToFloat((short) 0x8000));
    }
}
