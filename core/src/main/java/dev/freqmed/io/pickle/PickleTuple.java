package dev.freqmed.io.pickle;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/** An immutable Python tuple: a {@link List} whose elements may be null. */
public final class PickleTuple extends AbstractList<Object> {

    private final Object[] items;

    /** A tuple of the given elements (copied). */
    public PickleTuple(List<?> elements) {
        this.items = elements.toArray();
    }

    /** A tuple of the given elements (copied). */
    public static PickleTuple of(Object... elements) {
        return new PickleTuple(Arrays.asList(elements));
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
