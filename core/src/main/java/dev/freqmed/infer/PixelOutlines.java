package dev.freqmed.infer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Polygon outlines of a set of pixels along the pixel edges: pixel (x, y) is the unit square
 * [x, x+1] &times; [y, y+1], so the polygons enclose exactly the pixels (area = pixel count), as
 * raster-to-vector tools and QuPath read pixel coordinates.
 *
 * <p>Each 4-connected component gives one polygon: its outer ring (clockwise on screen, y down)
 * and one ring per enclosed background region. Where two pixels touch only at a corner, the
 * boundary keeps to the pixel it is following, so components and holes meet at single points
 * only and every polygon is valid (simple rings, connected interior) in the OGC sense. Vertices
 * are integer corners; collinear points are dropped; rings are closed (first point repeated).
 */
public final class PixelOutlines {

    private PixelOutlines() {
    }

    /**
     * The polygons of the pixels where {@code mask} is non-zero.
     *
     * @param mask   {@code height * width} row-major
     * @param width  columns
     * @param height rows
     * @param x0     added to every x coordinate (crop offset)
     * @param y0     added to every y coordinate
     * @return per component: its rings, outer ring first, each a closed list of [x, y]
     */
    public static List<List<List<int[]>>> polygons(byte[] mask, int width, int height, int x0,
            int y0) {
        // Directed boundary edges, foreground on the walker's right: start vertex -> edges.
        int vw = width + 1;
        Map<Integer, List<int[]>> out = new HashMap<>();
        List<int[]> edges = new ArrayList<>();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (mask[y * width + x] == 0) {
                    continue;
                }
                int comp = y * width + x;
                if (y == 0 || mask[(y - 1) * width + x] == 0) {
                    edges.add(new int[] {y * vw + x, y * vw + x + 1, comp});
                }
                if (x == width - 1 || mask[y * width + x + 1] == 0) {
                    edges.add(new int[] {y * vw + x + 1, (y + 1) * vw + x + 1, comp});
                }
                if (y == height - 1 || mask[(y + 1) * width + x] == 0) {
                    edges.add(new int[] {(y + 1) * vw + x + 1, (y + 1) * vw + x, comp});
                }
                if (x == 0 || mask[y * width + x - 1] == 0) {
                    edges.add(new int[] {(y + 1) * vw + x, y * vw + x, comp});
                }
            }
        }
        for (int[] e : edges) {
            out.computeIfAbsent(e[0], k -> new ArrayList<>(2)).add(e);
        }
        int[] component = components(mask, width, height);
        Map<int[], Boolean> used = new java.util.IdentityHashMap<>();
        Map<Integer, List<List<int[]>>> shells = new java.util.TreeMap<>();
        List<int[]> holeOwner = new ArrayList<>();
        List<List<int[]>> holes = new ArrayList<>();
        for (int[] first : edges) {
            if (used.containsKey(first)) {
                continue;
            }
            List<int[]> ring = new ArrayList<>();
            int[] e = first;
            long area2 = 0;
            while (true) {
                used.put(e, Boolean.TRUE);
                int sx = e[0] % vw;
                int sy = e[0] / vw;
                int ex = e[1] % vw;
                int ey = e[1] / vw;
                area2 += (long) sx * ey - (long) ex * sy;
                ring.add(new int[] {sx, sy});
                int dx = ex - sx;
                int dy = ey - sy;
                int[] next = null;
                int bestTurn = Integer.MIN_VALUE;
                for (int[] c : out.get(e[1])) {
                    if (used.containsKey(c) && c != first) {
                        continue;
                    }
                    int cx = c[1] % vw - ex;
                    int cy = c[1] / vw - ey;
                    // Right turn on screen (y down) has a positive cross product: hug the pixel.
                    int turn = dx * cy - dy * cx;
                    if (turn > bestTurn) {
                        bestTurn = turn;
                        next = c;
                    }
                }
                if (next == null || next == first) {
                    break;
                }
                e = next;
            }
            List<int[]> simple = simplify(ring, x0, y0);
            int comp = component[first[2]];
            if (area2 > 0) {
                shells.computeIfAbsent(comp, k -> new ArrayList<>()).add(simple);
            } else {
                holes.add(simple);
                holeOwner.add(new int[] {comp});
            }
        }
        for (int i = 0; i < holes.size(); i++) {
            shells.get(holeOwner.get(i)[0]).add(holes.get(i));
        }
        return new ArrayList<>(shells.values());
    }

    /** Drops collinear vertices, offsets, and closes the ring. */
    private static List<int[]> simplify(List<int[]> ring, int x0, int y0) {
        int n = ring.size();
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] a = ring.get((i + n - 1) % n);
            int[] b = ring.get(i);
            int[] c = ring.get((i + 1) % n);
            long cross = (long) (b[0] - a[0]) * (c[1] - b[1])
                    - (long) (b[1] - a[1]) * (c[0] - b[0]);
            if (cross != 0) {
                out.add(new int[] {b[0] + x0, b[1] + y0});
            }
        }
        out.add(out.get(0));
        return out;
    }

    /** 4-connected component of each pixel (its smallest pixel index), -1 on background. */
    private static int[] components(byte[] mask, int width, int height) {
        int[] comp = new int[mask.length];
        java.util.Arrays.fill(comp, -1);
        int[] stack = new int[mask.length];
        for (int s = 0; s < mask.length; s++) {
            if (mask[s] == 0 || comp[s] >= 0) {
                continue;
            }
            int top = 0;
            stack[top++] = s;
            comp[s] = s;
            while (top > 0) {
                int p = stack[--top];
                int y = p / width;
                int x = p - y * width;
                int[] nb = {y > 0 ? p - width : -1, x > 0 ? p - 1 : -1,
                    x < width - 1 ? p + 1 : -1, y < height - 1 ? p + width : -1};
                for (int q : nb) {
                    if (q >= 0 && mask[q] != 0 && comp[q] < 0) {
                        comp[q] = s;
                        stack[top++] = q;
                    }
                }
            }
        }
        return comp;
    }
}
