package dev.freqmed.io.pickle;

import dev.freqmed.io.WeightFormatException;
import java.util.List;

/**
 * The policy of a {@link Unpickler}: what globals mean, what calling them gives, and how
 * persistent ids are resolved. Every method either returns plain data or throws; none runs code
 * from the pickle.
 */
public interface PickleHandler {

    /**
     * Resolves a {@code GLOBAL}/{@code STACK_GLOBAL} reference.
     *
     * @return a value standing for the global (often a marker passed later to {@link #reduce})
     * @throws WeightFormatException naming {@code module.name} when the global is not allowed
     */
    Object global(String module, String name) throws WeightFormatException;

    /**
     * Applies a callable obtained from {@link #global} to its arguments ({@code REDUCE},
     * {@code NEWOBJ}).
     *
     * @throws WeightFormatException when the callable cannot be applied to these arguments
     */
    Object reduce(Object callable, List<Object> args) throws WeightFormatException;

    /**
     * Applies {@code BUILD} state to an object; returns the object to keep on the stack.
     *
     * @throws WeightFormatException when the object does not accept state
     */
    Object build(Object target, Object state) throws WeightFormatException;

    /**
     * Resolves a persistent id ({@code BINPERSID}), e.g. a tensor storage.
     *
     * @throws WeightFormatException when the id is malformed or unknown
     */
    Object persistentLoad(Object pid) throws WeightFormatException;

    /**
     * Values held by {@code container} (a map or list this handler created) besides its map
     * values or list elements, so that the structure check can see them. None by default.
     */
    default List<Object> extraChildren(Object container) {
        return List.of();
    }
}
