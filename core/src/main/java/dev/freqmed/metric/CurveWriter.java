package dev.freqmed.metric;

import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.ImageIo;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes the SOD curves of a {@link SodMetrics} result: {@code pr_curve.csv} (threshold,
 * precision, recall, F) and {@code e_curve.csv} (threshold, E), and draws them with Java2D as
 * {@code pr_curve.png} (precision against recall) and {@code fe_curve.png} (F and E against the
 * threshold). Files are written atomically.
 */
public final class CurveWriter {

    private static final int SIZE = 480;
    private static final int MARGIN = 50;

    private CurveWriter() {
    }

    /**
     * Writes the four files into {@code dir} (created if needed).
     *
     * @throws IOException naming the file that could not be written
     */
    public static void write(MetricResult sod, Path dir) throws IOException {
        Files.createDirectories(dir);
        double[] p = sod.curve("curve_precision");
        double[] r = sod.curve("curve_recall");
        double[] f = sod.curve("curve_F");
        double[] e = sod.curve("curve_E");
        StringBuilder pr = new StringBuilder("threshold,precision,recall,F\n");
        StringBuilder ec = new StringBuilder("threshold,E\n");
        for (int i = 0; i < 256; i++) {
            int t = 255 - i;
            pr.append(t).append(',').append(p[i]).append(',').append(r[i]).append(',')
                    .append(f[i]).append('\n');
            ec.append(t).append(',').append(e[i]).append('\n');
        }
        AtomicFiles.writeString(dir.resolve("pr_curve.csv"), pr.toString());
        AtomicFiles.writeString(dir.resolve("e_curve.csv"), ec.toString());
        BufferedImage prImg = plot("Precision-recall", "recall", "precision",
                new double[][] {r}, new double[][] {p}, new Color[] {new Color(0x1f77b4)},
                new String[] {"PR"});
        ImageIo.writePng(dir.resolve("pr_curve.png"), prImg);
        double[] thr = new double[256];
        for (int i = 0; i < 256; i++) {
            thr[i] = (255 - i) / 255.0;
        }
        BufferedImage fe = plot("F- and E-measure", "threshold / 255", "score",
                new double[][] {thr, thr}, new double[][] {f, e},
                new Color[] {new Color(0xd62728), new Color(0x2ca02c)},
                new String[] {String.format(Locale.ROOT, "F (max %.4f)", sod.get("maxF")),
                    String.format(Locale.ROOT, "E (max %.4f)", sod.get("maxE"))});
        ImageIo.writePng(dir.resolve("fe_curve.png"), fe);
    }

    private static BufferedImage plot(String title, String xLabel, String yLabel, double[][] xs,
                                      double[][] ys, Color[] colors, String[] names) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, SIZE, SIZE);
            int w = SIZE - 2 * MARGIN;
            g.setColor(new Color(0xdddddd));
            for (int k = 0; k <= 10; k++) {
                int px = MARGIN + k * w / 10;
                int py = MARGIN + k * w / 10;
                g.drawLine(px, MARGIN, px, MARGIN + w);
                g.drawLine(MARGIN, py, MARGIN + w, py);
            }
            g.setColor(Color.BLACK);
            g.drawRect(MARGIN, MARGIN, w, w);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(title, MARGIN, MARGIN - 20);
            g.drawString(xLabel, MARGIN + w / 2 - 30, SIZE - 15);
            g.drawString(yLabel, 5, MARGIN - 5);
            for (int k = 0; k <= 10; k += 2) {
                String s = String.format(Locale.ROOT, "%.1f", k / 10.0);
                g.drawString(s, MARGIN + k * w / 10 - 8, MARGIN + w + 15);
                g.drawString(s, MARGIN - 28, MARGIN + w - k * w / 10 + 4);
            }
            g.setStroke(new BasicStroke(2f));
            for (int c = 0; c < xs.length; c++) {
                Path2D.Double path = new Path2D.Double();
                for (int i = 0; i < xs[c].length; i++) {
                    double px = MARGIN + clamp(xs[c][i]) * w;
                    double py = MARGIN + w - clamp(ys[c][i]) * w;
                    if (i == 0) {
                        path.moveTo(px, py);
                    } else {
                        path.lineTo(px, py);
                    }
                }
                g.setColor(colors[c]);
                g.draw(path);
                g.drawString(names[c], MARGIN + w - 140, MARGIN + 20 + 16 * c);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static double clamp(double v) {
        return Double.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
    }
}
