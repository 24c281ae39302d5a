package dev.freqmed.spark;

import org.apache.spark.sql.SparkSession;

/** Starts the Spark session of a batch run with settings that suit an embedded, quiet run. */
final class Sessions {

    private Sessions() {
    }

    /**
     * A session on {@code master}. For {@code local[...]} masters the driver binds to the loopback
     * interface and the web UI is off; a cluster master keeps the cluster's own settings.
     */
    static SparkSession start(String master) {
        SparkSession.Builder b = SparkSession.builder().appName("freqmed batch").master(master)
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.ui.showConsoleProgress", "false");
        if (master.startsWith("local")) {
            b = b.config("spark.ui.enabled", "false")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1");
        }
        SparkSession s = b.getOrCreate();
        s.sparkContext().setLogLevel("ERROR");
        return s;
    }
}
