package dev.freqmed.cli;

import dev.freqmed.train.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress: an interactive progress bar per epoch (epoch, step, loss, images/s,
 * ETA) on a terminal, one line per epoch otherwise (logs, CI).
 */
final class ConsoleProgress implements ProgressListener {

    private final PrintWriter out;
    private final boolean interactive;
    private ProgressBar bar;
    private long epochStart;

    ConsoleProgress(PrintWriter out) {
        this.out = out;
        this.interactive = System.console() != null && System.getenv("CI") == null;
    }

    @Override
    public void epochStarted(int epoch, int epochs, int steps) {
        epochStart = System.nanoTime();
        if (interactive) {
            bar = new ProgressBarBuilder()
                    .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs))
                    .setInitialMax(steps)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250)
                    .showSpeed()
                    .build();
        }
    }

    @Override
    public void step(int epoch, int step, int steps, double loss, double imagesPerSecond) {
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f  %.1f img/s", loss, imagesPerSecond));
        }
    }

    @Override
    public void validating(int epoch) {
        if (bar != null) {
            bar.setExtraMessage("validating");
        }
    }

    @Override
    public void epochFinished(int epoch, Map<String, Double> metrics, boolean best) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %3d", epoch));
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (e.getKey().equals("epoch")) {
                continue;
            }
            String fmt = e.getKey().equals("lr") ? "  %s %.2g" : e.getKey().equals("seconds") ? "  %s %.1f" : "  %s %.4f";
            sb.append(String.format(Locale.ROOT, fmt, e.getKey(), e.getValue()));
        }
        if (best) {
            sb.append("  *best*");
        }
        out.println(sb);
        out.flush();
    }

    @Override
    public void message(String text) {
        out.println(text);
        out.flush();
    }
}
