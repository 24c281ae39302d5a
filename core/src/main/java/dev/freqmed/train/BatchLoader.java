package dev.freqmed.train;

import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.data.transform.Transform;
import dev.freqmed.model.TaskAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads and prepares samples on worker threads into a bounded queue and hands them out in batches
 * in a fixed order. The result does not depend on thread timing: the order is given, and each
 * sample's augmentation draws from its own {@link Random} seeded by (seed, epoch, position), so an
 * epoch is reproducible, including after a resume.
 */
public final class BatchLoader implements AutoCloseable {

    private final SampleSource source;
    private final TaskAdapter task;
    private final ExecutorService pool;
    private final int prefetch;

    /**
     * @param source  where raw samples come from
     * @param task    prepares samples (resize, augmentation, normalisation)
     * @param workers decoding threads (at least 1)
     * @param prefetch samples read ahead at most (bounds memory)
     */
    public BatchLoader(SampleSource source, TaskAdapter task, int workers, int prefetch) {
        if (workers < 1 || prefetch < 1) {
            throw new IllegalArgumentException("workers and prefetch must be >= 1, found " + workers + ", " + prefetch);
        }
        this.source = source;
        this.task = task;
        this.prefetch = prefetch;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "freqmed-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(workers, tf);
    }

    /** The source this loader reads. */
    public SampleSource source() {
        return source;
    }

    /** The sample order of an epoch: a shuffle seeded by (seed, epoch), or identity if not shuffled. */
    public static int[] order(int size, long seed, int epoch, boolean shuffle) {
        int[] idx = new int[size];
        for (int i = 0; i < size; i++) {
            idx[i] = i;
        }
        if (shuffle) {
            Random r = new Random(mix(seed, epoch, -1));
            for (int i = size - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        return idx;
    }

    static long mix(long seed, long a, long b) {
        long h = seed * 0x9E3779B97F4A7C15L + a * 0xC2B2AE3D27D4EB4FL + b * 0x165667B19E3779F9L;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return h;
    }

    /**
     * Iterates over the batches of one epoch.
     *
     * @param order        sample indices in visiting order
     * @param batchSize    samples per batch (the last batch may be smaller)
     * @param augmentation applied to training samples, or {@code null}
     * @param seed         run seed
     * @param epoch        epoch number (seeds the augmentation)
     */
    public Iterable<List<Sample>> batches(int[] order, int batchSize, Transform augmentation, long seed, int epoch) {
        return () -> new java.util.Iterator<>() {
            private final Deque<Future<Sample>> inFlight = new ArrayDeque<>();
            private int submitted;
            private int consumed;

            private void fill() {
                while (submitted < order.length && inFlight.size() < Math.max(prefetch, batchSize)) {
                    final int pos = submitted++;
                    final int index = order[pos];
                    inFlight.add(pool.submit(() -> {
                        Sample raw = source.get(index);
                        Random rng = new Random(mix(seed, epoch, pos));
                        return task.prepare(raw, augmentation, rng);
                    }));
                }
            }

            @Override
            public boolean hasNext() {
                return consumed < order.length;
            }

            @Override
            public List<Sample> next() {
                fill();
                int n = Math.min(batchSize, order.length - consumed);
                List<Sample> batch = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    Future<Sample> f = inFlight.poll();
                    batch.add(await(f));
                    consumed++;
                    fill();
                }
                return batch;
            }
        };
    }

    private static Sample await(Future<Sample> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading data", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
