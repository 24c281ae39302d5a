package dev.freqmed.metric;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Runs one task per image on all cores and keeps the image order. If tasks fail, the failure of
 * the lowest image index is rethrown (so the error a user sees does not depend on scheduling);
 * tasks after a known failure are skipped.
 */
public final class ParallelImages {

    private ParallelImages() {
    }

    /**
     * Applies {@code task} to {@code 0 .. count-1} in parallel.
     *
     * @return the results in index order
     * @throws RuntimeException the exception of the lowest failing index
     */
    public static <T> List<T> map(int count, IntFunction<T> task) {
        Object[] out = new Object[count];
        RuntimeException[] errors = new RuntimeException[count];
        AtomicInteger firstFailed = new AtomicInteger(Integer.MAX_VALUE);
        IntStream.range(0, count).parallel().forEach(i -> {
            if (i > firstFailed.get()) {
                return;
            }
            try {
                out[i] = task.apply(i);
            } catch (RuntimeException e) {
                errors[i] = e;
                firstFailed.accumulateAndGet(i, Math::min);
            }
        });
        for (RuntimeException e : errors) {
            if (e != null) {
                throw e;
            }
        }
        List<T> list = new ArrayList<>(count);
        for (Object o : out) {
            @SuppressWarnings("unchecked")
            T t = (T) o;
            list.add(t);
        }
        return list;
    }
}
