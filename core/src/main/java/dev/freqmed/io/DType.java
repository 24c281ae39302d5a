package dev.freqmed.io;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Element types of host tensors read from weight files, with their names in PyTorch, safetensors
 * and DJL. Complex64 elements are two float32 values (real, imaginary).
 */
public enum DType {
    /** 32-bit IEEE float. */
    FLOAT32(4, "float32", "F32", "FloatStorage", DataType.FLOAT32),
    /** 64-bit IEEE float. */
    FLOAT64(8, "float64", "F64", "DoubleStorage", DataType.FLOAT64),
    /** 16-bit IEEE float. */
    FLOAT16(2, "float16", "F16", "HalfStorage", DataType.FLOAT16),
    /** bfloat16: the upper 16 bits of a float32. */
    BFLOAT16(2, "bfloat16", "BF16", "BFloat16Storage", DataType.BFLOAT16),
    /** Signed 64-bit integer. */
    INT64(8, "int64", "I64", "LongStorage", DataType.INT64),
    /** Signed 32-bit integer. */
    INT32(4, "int32", "I32", "IntStorage", DataType.INT32),
    /** Signed 16-bit integer. */
    INT16(2, "int16", "I16", "ShortStorage", DataType.INT16),
    /** Signed 8-bit integer. */
    INT8(1, "int8", "I8", "CharStorage", DataType.INT8),
    /** Unsigned 8-bit integer. */
    UINT8(1, "uint8", "U8", "ByteStorage", DataType.UINT8),
    /** Boolean, one byte per element (0 or 1). */
    BOOL(1, "bool", "BOOL", "BoolStorage", DataType.BOOLEAN),
    /** Complex number of two float32 (real, imaginary). */
    COMPLEX64(8, "complex64", "C64", "ComplexFloatStorage", DataType.COMPLEX64);

    private final int size;
    private final String torchName;
    private final String safetensorsName;
    private final String storageClass;
    private final DataType djl;

    DType(int size, String torchName, String safetensorsName, String storageClass,
            DataType djl) {
        this.size = size;
        this.torchName = torchName;
        this.safetensorsName = safetensorsName;
        this.storageClass = storageClass;
        this.djl = djl;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The PyTorch name, e.g. {@code float32}. */
    public String torchName() {
        return torchName;
    }

    /** The safetensors name, e.g. {@code F32}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The DJL data type. */
    public DataType djl() {
        return djl;
    }

    /** Whether the values are floating point (complex counts as floating point). */
    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16
                || this == COMPLEX64;
    }

    /**
     * The type of a PyTorch storage class ({@code FloatStorage}, {@code HalfStorage}, ...).
     *
     * @return the type, or null when the class is not a known storage
     */
    public static DType fromStorageClass(String simpleName) {
        for (DType t : values()) {
            if (t.storageClass.equals(simpleName)) {
                return t;
            }
        }
        return null;
    }

    /**
     * The type of a safetensors dtype string.
     *
     * @throws IllegalArgumentException for an unknown name (the message lists the known ones)
     */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown safetensors dtype '" + name
                + "' (expected one of F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL, C64)");
    }

    /**
     * The type of a DJL data type.
     *
     * @throws IllegalArgumentException when FreqMed has no host type for it
     */
    public static DType fromDjl(DataType type) {
        for (DType t : values()) {
            if (t.djl == type) {
                return t;
            }
        }
        throw new IllegalArgumentException("no host dtype for DJL type " + type);
    }

    /** Parses a PyTorch or safetensors name, case-insensitive ({@code float32}, {@code F32}). */
    public static DType parse(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (DType t : values()) {
            if (t.torchName.equals(n) || t.safetensorsName.toLowerCase(Locale.ROOT).equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "'");
    }
}
