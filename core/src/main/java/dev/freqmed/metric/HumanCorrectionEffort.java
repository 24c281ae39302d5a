package dev.freqmed.metric;

import dev.freqmed.metric.image.Skeleton;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint;
import org.opencv.core.MatOfPoint2f;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Human correction effort (HCE, Qin et al. ECCV 2022) with relax 5 and epsilon 2: the number of
 * polygon control points and independent regions a person would need to fix the false positives
 * and false negatives of a binarised prediction ({@code pred > 0.5}), keeping the mask skeleton.
 *
 * <p>Reduction: per image (an integer count), then the arithmetic mean over images. Empty masks
 * need no special rule. Reference: PySODMetrics {@code HumanCorrectionEffortMeasure}
 * (lartpang/PySODMetrics ac5b1fc) with scikit-image 0.19 {@code skeletonize} (see
 * {@link Skeleton}) and OpenCV's erosion, dilation with the 3x3 cross, border following
 * ({@code RETR_TREE}, {@code CHAIN_APPROX_NONE}), 8-connected labelling and open
 * {@code approxPolyDP}, all taken from OpenCV's Java binding.
 */
public final class HumanCorrectionEffort extends SaliencyMetric {

    private static final int RELAX = 5;
    private static final double EPSILON = 2.0;

    static {
        OpenCvLoader.load();
    }

    /** The HCE of one pair. */
    public static double compute(SaliencyPair pair) {
        return compute(pair, new Workspace());
    }

    /** The HCE of one pair, with reused scratch arrays. */
    static double compute(SaliencyPair pair, Workspace ws) {
        int w = pair.width();
        int h = pair.height();
        int n = pair.size();
        boolean[] gt = pair.gt();
        double[] p = pair.pred();
        // Scratch arrays may be longer than n; OpenCV copies only the n bytes of each matrix.
        byte[] gtB = ws.bytes(0, n);
        byte[] predB = ws.bytes(1, n);
        byte[] skelB = ws.bytes(2, n);
        Skeleton.skeletonizeInto(gt, w, h, ws.bytes(3, Skeleton.workSize(w, h)), skelB);
        for (int i = 0; i < n; i++) {
            gtB[i] = (byte) (gt[i] ? 1 : 0);
            predB[i] = (byte) (p[i] > 0.5 ? 1 : 0);
        }
        List<Mat> owned = new ArrayList<>();
        Mat kernel = Imgproc.getStructuringElement(Imgproc.MORPH_CROSS, new Size(3, 3));
        owned.add(kernel);
        try {
            // All masks are 0/1 bytes; the set operations run inside OpenCV.
            Mat gtM = mat(gtB, w, h, owned);
            Mat predM = mat(predB, w, h, owned);
            Mat skelM = mat(skelB, w, h, owned);
            Mat ones = newMat(owned);
            ones.create(h, w, CvType.CV_8UC1);
            ones.setTo(new Scalar(1));
            Mat tp = and(gtM, predM, owned);
            Mat fp = sub(predM, tp, owned);
            Mat fn = sub(gtM, tp, owned);
            Mat union = or(gtM, predM, owned);
            Mat notGt = sub(ones, gtM, owned);
            Mat notPred = sub(ones, predM, owned);
            Mat eroded = newMat(owned);
            Imgproc.erode(union, eroded, kernel, new Point(-1, -1), RELAX);

            Mat fpR = and(fp, eroded, owned);
            Mat fnR = and(fn, eroded, owned);
            Mat tmp = newMat(owned);
            for (int k = 0; k < RELAX; k++) {
                Imgproc.dilate(fpR, tmp, kernel);
                Core.bitwise_and(tmp, notGt, fpR);
                Imgproc.dilate(fnR, tmp, kernel);
                Core.bitwise_and(tmp, notPred, fnR);
            }
            Core.bitwise_and(fp, fpR, fpR);
            Core.bitwise_and(fn, fnR, fnR);
            Mat skelNotTp = sub(skelM, and(skelM, tp, owned), owned);
            Core.bitwise_or(fnR, skelNotTp, fnR);

            Mat condFp = or(tp, fnR, owned);
            Mat condFn = sub(ones, or(or(tp, fpR, owned), fnR, owned), owned);
            long total = 0;
            total += effort(fpR, condFp, w, h, kernel, owned, ws);
            total += effort(fnR, condFn, w, h, kernel, owned, ws);
            return total;
        } finally {
            for (Mat m : owned) {
                m.release();
            }
        }
    }

    private static Mat and(Mat a, Mat b, List<Mat> owned) {
        Mat m = newMat(owned);
        Core.bitwise_and(a, b, m);
        return m;
    }

    private static Mat or(Mat a, Mat b, List<Mat> owned) {
        Mat m = newMat(owned);
        Core.bitwise_or(a, b, m);
        return m;
    }

    /** {@code a - b} for 0/1 masks where b is contained in a (or a is all ones). */
    private static Mat sub(Mat a, Mat b, List<Mat> owned) {
        Mat m = newMat(owned);
        Core.subtract(a, b, m);
        return m;
    }

    /** Control points of the conditional boundaries plus untouched regions of one error mask. */
    private static long effort(Mat maskMat, Mat condition, int w, int h, Mat kernel,
                               List<Mat> owned, Workspace ws) {
        int n = w * h;
        if (Core.countNonZero(maskMat) == 0) {
            return 0;
        }
        Mat condDilated = newMat(owned);
        Imgproc.dilate(condition, condDilated, kernel);
        byte[] cond = ws.bytes(3, n);
        condDilated.get(0, 0, cond);
        List<MatOfPoint> contours = new ArrayList<>();
        Mat hierarchy = newMat(owned);
        Imgproc.findContours(maskMat, contours, hierarchy, Imgproc.RETR_TREE,
                Imgproc.CHAIN_APPROX_NONE);
        owned.addAll(contours);
        Mat labels = newMat(owned);
        int count = Imgproc.connectedComponents(maskMat, labels, 8, CvType.CV_32S);
        int[] lab = ws.ints(0, n);
        labels.get(0, 0, lab);
        boolean[] independent = new boolean[count];
        for (int i = 1; i < count; i++) {
            independent[i] = true;
        }
        int[] visited = ws.ints(1, n);
        Arrays.fill(visited, 0, n, 0);
        List<int[]> boundaries = new ArrayList<>();
        for (MatOfPoint contour : contours) {
            int len = (int) contour.total();
            int[] pts = new int[2 * len];
            contour.get(0, 0, pts);
            List<int[]> segments = new ArrayList<>();
            int[] seg = new int[2 * len];
            int segLen = 0;
            for (int k = 0; k < len; k++) {
                int col = pts[2 * k];
                int row = pts[2 * k + 1];
                int idx = row * w + col;
                if (cond[idx] == 0 || visited[idx] != 0) {
                    if (segLen > 0) {
                        segments.add(Arrays.copyOf(seg, 2 * segLen));
                        segLen = 0;
                    }
                    continue;
                }
                seg[2 * segLen] = col;
                seg[2 * segLen + 1] = row;
                segLen++;
                visited[idx]++;
                independent[lab[idx]] = false;
            }
            if (segLen > 0) {
                segments.add(Arrays.copyOf(seg, 2 * segLen));
            }
            if (segments.size() > 1) {
                int[] first = segments.get(0);
                int[] last = segments.get(segments.size() - 1);
                int dx = Math.abs(first[0] - last[last.length - 2]);
                int dy = Math.abs(first[1] - last[last.length - 1]);
                if ((dx == 1 && dy == 0) || (dx == 0 && dy == 1) || (dx == 1 && dy == 1)) {
                    int[] merged = Arrays.copyOf(last, last.length + first.length);
                    for (int k = 0; k < first.length / 2; k++) {
                        int src = first.length / 2 - 1 - k;
                        merged[last.length + 2 * k] = first[2 * src];
                        merged[last.length + 2 * k + 1] = first[2 * src + 1];
                    }
                    segments.set(segments.size() - 1, merged);
                    segments.remove(0);
                }
            }
            boundaries.addAll(segments);
        }
        long points = 0;
        for (int[] b : boundaries) {
            points += controlPoints(b, owned);
        }
        long regions = 0;
        for (boolean f : independent) {
            regions += f ? 1 : 0;
        }
        return points + regions;
    }

    private static int controlPoints(int[] xy, List<Mat> owned) {
        int len = xy.length / 2;
        MatOfPoint2f curve = new MatOfPoint2f();
        owned.add(curve);
        curve.alloc(len);
        float[] f = new float[xy.length];
        for (int i = 0; i < xy.length; i++) {
            f[i] = xy[i];
        }
        curve.put(0, 0, f);
        MatOfPoint2f approx = new MatOfPoint2f();
        owned.add(approx);
        Imgproc.approxPolyDP(curve, approx, EPSILON, false);
        return (int) approx.total();
    }

    private static Mat mat(byte[] data, int w, int h, List<Mat> owned) {
        Mat m = new Mat(h, w, CvType.CV_8UC1);
        owned.add(m);
        m.put(0, 0, data);
        return m;
    }

    private static Mat newMat(List<Mat> owned) {
        Mat m = new Mat();
        owned.add(m);
        return m;
    }

    @Override
    double[] measure(SaliencyPair pair) {
        return new double[] {compute(pair)};
    }

    @Override
    public MetricResult result() {
        return new MetricResult().put("HCE", meanOf(0));
    }
}
