package dev.freqmed.train;

import dev.freqmed.io.ImageIo;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Draws training curves (losses and validation metrics per epoch) as a PNG. */
public final class Curves {

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
    };

    private Curves() {
    }

    /**
     * Writes two panels side by side: the series whose name ends in {@code loss}, and the
     * {@code val_*} metrics other than the loss.
     *
     * @param history one map per epoch, with an {@code epoch} entry
     */
    public static void write(Path png, List<Map<String, Double>> history) throws IOException {
        int w = 1100;
        int h = 420;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        List<String> losses = new ArrayList<>();
        List<String> metrics = new ArrayList<>();
        if (!history.isEmpty()) {
            for (String k : history.get(history.size() - 1).keySet()) {
                if (k.endsWith("loss")) {
                    losses.add(k);
                } else if (k.startsWith("val_")) {
                    metrics.add(k);
                }
            }
        }
        panel(g, 10, 10, w / 2 - 20, h - 20, "loss", history, losses);
        panel(g, w / 2 + 10, 10, w / 2 - 20, h - 20, "validation", history, metrics);
        g.dispose();
        ImageIo.writePng(png, img);
    }

    private static void panel(Graphics2D g, int x0, int y0, int pw, int ph, String title,
            List<Map<String, Double>> history, List<String> keys) {
        int left = x0 + 60;
        int right = x0 + pw - 10;
        int top = y0 + 30;
        int bottom = y0 + ph - 40;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, x0 + pw / 2 - 30, y0 + 18);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int n = history.size();
        for (Map<String, Double> row : history) {
            for (String k : keys) {
                Double v = row.get(k);
                if (v != null && Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        g.setColor(new Color(0xdddddd));
        g.drawRect(left, top, right - left, bottom - top);
        if (n == 0 || !Double.isFinite(min)) {
            return;
        }
        if (max - min < 1e-12) {
            max = min + 1;
        }
        double pad = (max - min) * 0.05;
        min -= pad;
        max += pad;
        g.setColor(Color.DARK_GRAY);
        for (int i = 0; i <= 4; i++) {
            double v = min + (max - min) * i / 4;
            int y = bottom - (int) Math.round((bottom - top) * (v - min) / (max - min));
            g.setColor(new Color(0xeeeeee));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "%.3f", v), x0 + 5, y + 4);
        }
        int firstEpoch = history.get(0).getOrDefault("epoch", 1.0).intValue();
        int lastEpoch = history.get(n - 1).getOrDefault("epoch", (double) n).intValue();
        g.drawString("epoch " + firstEpoch, left, bottom + 15);
        g.drawString("epoch " + lastEpoch, right - 50, bottom + 15);
        int li = 0;
        for (String k : keys) {
            Color c = PALETTE[li % PALETTE.length];
            g.setColor(c);
            g.setStroke(new BasicStroke(2f));
            Path2D.Double path = new Path2D.Double();
            boolean started = false;
            for (int i = 0; i < n; i++) {
                Double v = history.get(i).get(k);
                if (v == null || !Double.isFinite(v)) {
                    continue;
                }
                double x = n == 1 ? (left + right) / 2.0 : left + (right - left) * (double) i / (n - 1);
                double y = bottom - (bottom - top) * (v - min) / (max - min);
                if (!started) {
                    path.moveTo(x, y);
                    started = true;
                } else {
                    path.lineTo(x, y);
                }
                g.fillOval((int) x - 2, (int) y - 2, 5, 5);
            }
            g.draw(path);
            g.drawString(k, left + 10 + li * 110, bottom + 30);
            li++;
        }
        g.setStroke(new BasicStroke(1f));
    }
}
