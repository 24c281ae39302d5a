package dev.freqmed.engine;

/**
 * The self-test's verdict on one (class, path) pair.
 *
 * @param convClass  the class, e.g. {@code SPATIAL}
 * @param path       the path, e.g. {@code ENGINE}
 * @param status     {@code pass}, {@code fail} (a wrong or NaN result) or {@code crash} (the
 *                   process checking it died or hung)
 * @param worstError the largest relative error seen, {@code max|got - ref| / max|ref|} over
 *                   forward, input, weight and bias gradients ({@code Infinity} for NaN; 0 for a
 *                   crash)
 * @param worstCase  the case and pass with that error, or what happened for a crash
 * @param cases      the number of case runs checked
 * @param millis     how long the checks took
 */
public record TaskResult(String convClass, String path, String status, double worstError,
        String worstCase, int cases, long millis) {

    /** Whether the path computed every case correctly. */
    public boolean passed() {
        return "pass".equals(status);
    }
}
