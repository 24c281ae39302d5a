package dev.freqmed.metric;

import nu.pattern.OpenCV;

/** Loads OpenCV's native library once, on first use. */
public final class OpenCvLoader {

    static {
        OpenCV.loadLocally();
    }

    private OpenCvLoader() {
    }

    /** Ensures the native library is loaded (the class initialiser does the work once). */
    public static void load() {
        // class initialisation loads the library
    }
}
