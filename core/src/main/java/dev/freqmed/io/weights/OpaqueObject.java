package dev.freqmed.io.weights;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * A Python object of a class FreqMed does not know, kept as inert data when a file is read with
 * unknown objects allowed (see {@link PthReader#read(java.nio.file.Path, boolean)}): the class
 * name, the constructor arguments and {@code BUILD} state as the pickle gives them, and any dict
 * items set on it (so dict subclasses such as Lightning's {@code AttributeDict} keep their
 * entries). Nothing of the class is ever looked up or run.
 */
public final class OpaqueObject extends LinkedHashMap<Object, Object> {

    private static final long serialVersionUID = 1L;

    private final String type;
    private final List<Object> args;
    private Object state;

    OpaqueObject(String type, List<Object> args) {
        this.type = type;
        this.args = args;
    }

    /** The Python class, {@code module.name}. */
    public String type() {
        return type;
    }

    /** The arguments the pickle passes to the class. */
    public List<Object> args() {
        return args;
    }

    /** The {@code BUILD} state (usually the instance {@code __dict__}), or null. */
    public Object state() {
        return state;
    }

    void setState(Object s) {
        this.state = s;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
