package dev.freqmed.metric.image;

import java.util.Arrays;

/**
 * Minimum-cost one-to-one assignment on a rectangular cost matrix (shortest augmenting paths,
 * Crouse 2016), following scipy's {@code linear_sum_assignment} step for step so that, among
 * several optimal assignments, the same one is returned: rows are augmented in order, columns are
 * scanned from the last to the first, and a free column wins a tie of path costs.
 *
 * <p>Reference: scipy 1.10 {@code scipy/optimize/rectangular_lsap/rectangular_lsap.cpp}.
 */
public final class LinearAssignment {

    private LinearAssignment() {
    }

    /**
     * Solves the assignment.
     *
     * @param cost  row-major {@code rows * cols} finite costs
     * @param rows  number of rows
     * @param cols  number of columns
     * @return {@code {rowIndices, colIndices}} of the {@code min(rows, cols)} pairs, sorted by row
     * @throws IllegalArgumentException for a NaN or -infinite cost or an infeasible matrix
     */
    public static int[][] solve(double[] cost, int rows, int cols) {
        if (cost.length != rows * cols) {
            throw new IllegalArgumentException("expected " + rows * cols + " costs, found "
                    + cost.length);
        }
        if (rows == 0 || cols == 0) {
            return new int[][] {new int[0], new int[0]};
        }
        boolean transpose = cols < rows;
        int nr = rows;
        int nc = cols;
        double[] c = cost;
        if (transpose) {
            c = new double[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    c[j * rows + i] = cost[i * cols + j];
                }
            }
            nr = cols;
            nc = rows;
        }
        for (double v : c) {
            if (Double.isNaN(v) || v == Double.NEGATIVE_INFINITY) {
                throw new IllegalArgumentException("cost matrix contains NaN or -infinity");
            }
        }
        double[] u = new double[nr];
        double[] v = new double[nc];
        double[] spc = new double[nc];
        int[] path = new int[nc];
        int[] col4row = new int[nr];
        int[] row4col = new int[nc];
        boolean[] sr = new boolean[nr];
        boolean[] sc = new boolean[nc];
        int[] remaining = new int[nc];
        Arrays.fill(path, -1);
        Arrays.fill(col4row, -1);
        Arrays.fill(row4col, -1);
        for (int curRow = 0; curRow < nr; curRow++) {
            // Shortest augmenting path from curRow.
            double minVal = 0;
            int numRemaining = nc;
            for (int it = 0; it < nc; it++) {
                remaining[it] = nc - it - 1;
            }
            Arrays.fill(sr, false);
            Arrays.fill(sc, false);
            Arrays.fill(spc, Double.POSITIVE_INFINITY);
            int sink = -1;
            int i = curRow;
            while (sink == -1) {
                int index = -1;
                double lowest = Double.POSITIVE_INFINITY;
                sr[i] = true;
                for (int it = 0; it < numRemaining; it++) {
                    int j = remaining[it];
                    double r = minVal + c[i * nc + j] - u[i] - v[j];
                    if (r < spc[j]) {
                        path[j] = i;
                        spc[j] = r;
                    }
                    if (spc[j] < lowest || (spc[j] == lowest && row4col[j] == -1)) {
                        lowest = spc[j];
                        index = it;
                    }
                }
                minVal = lowest;
                if (minVal == Double.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException("cost matrix is infeasible");
                }
                int j = remaining[index];
                if (row4col[j] == -1) {
                    sink = j;
                } else {
                    i = row4col[j];
                }
                sc[j] = true;
                remaining[index] = remaining[--numRemaining];
            }
            u[curRow] += minVal;
            for (int r = 0; r < nr; r++) {
                if (sr[r] && r != curRow) {
                    u[r] += minVal - spc[col4row[r]];
                }
            }
            for (int j = 0; j < nc; j++) {
                if (sc[j]) {
                    v[j] -= minVal - spc[j];
                }
            }
            int j = sink;
            while (true) {
                int r = path[j];
                row4col[j] = r;
                int tmp = col4row[r];
                col4row[r] = j;
                j = tmp;
                if (r == curRow) {
                    break;
                }
            }
        }
        int[] a = new int[nr];
        int[] b = new int[nr];
        if (transpose) {
            Integer[] order = new Integer[nr];
            for (int k = 0; k < nr; k++) {
                order[k] = k;
            }
            Arrays.sort(order, (p, q) -> Integer.compare(col4row[p], col4row[q]));
            for (int k = 0; k < nr; k++) {
                a[k] = col4row[order[k]];
                b[k] = order[k];
            }
        } else {
            for (int k = 0; k < nr; k++) {
                a[k] = k;
                b[k] = col4row[k];
            }
        }
        return new int[][] {a, b};
    }
}
