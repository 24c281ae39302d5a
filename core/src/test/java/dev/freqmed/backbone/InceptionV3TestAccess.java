package dev.freqmed.backbone;

/** The deterministic generator of {@link InceptionV3Test} for tests of other packages. */
public final class InceptionV3TestAccess {

    private InceptionV3TestAccess() {
    }

    /** See {@link InceptionV3Test#weights}. */
    public static java.util.Map<String, dev.freqmed.io.HostTensor> weights(InceptionV3 net) {
        return InceptionV3Test.weights(net);
    }

    /** See {@link InceptionV3Test#uniform}. */
    public static double[] uniform(String key, int n) {
        return InceptionV3Test.uniform(key, n);
    }
}
