package dev.freqmed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PlateauSchedulerTest {

    @Test
    void reducesAfterPatienceEpochsWithoutImprovementLikeKeras() {
        PlateauScheduler s = new PlateauScheduler(1e-3, 0.1, 2, 1e-4, 1e-6, false);
        assertEquals(1e-3, s.observe(1.0), 0);
        assertEquals(1e-3, s.observe(0.99995), 0); // not better by min_delta: wait 1
        assertEquals(1e-4, s.observe(1.0), 1e-12); // wait 2 = patience: reduce, wait 0
        assertEquals(1e-4, s.observe(0.5), 1e-12); // improvement
        s.observe(0.6);
        assertEquals(1e-5, s.observe(0.6), 1e-12);
        s.observe(0.6);
        assertEquals(1e-6, s.observe(0.6), 1e-12);
        s.observe(0.6);
        assertEquals(1e-6, s.observe(0.6), 1e-12); // floor
    }

    @Test
    void stateRoundTrips() {
        PlateauScheduler a = new PlateauScheduler(1.0, 0.5, 3, 0, 0, true);
        a.observe(0.5);
        a.observe(0.4);
        PlateauScheduler b = new PlateauScheduler(9.0, 0.5, 3, 0, 0, true);
        b.restore(a.state());
        assertEquals(a.state(), b.state());
        a.observe(0.3);
        b.observe(0.3);
        assertEquals(a.lr(), b.lr(), 0);
        assertEquals(0.5, b.observe(0.3), 0);
    }
}
