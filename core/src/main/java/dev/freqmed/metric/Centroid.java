package dev.freqmed.metric;

/**
 * A nucleus centroid with its type.
 *
 * @param x    column, pixels
 * @param y    row, pixels
 * @param type class id (0 is the reference's "no instance" dummy)
 */
public record Centroid(double x, double y, int type) {
}
