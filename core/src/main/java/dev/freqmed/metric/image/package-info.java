/**
 * Image-processing steps the reference metric implementations rely on, written here where no
 * maintained Java library gives the same results: exact Euclidean distance transform with nearest
 * feature indices (scipy tie rules), scikit-image 0.19 thinning, scipy's rectangular linear
 * assignment and numpy's pairwise summation.
 */
package dev.freqmed.metric.image;
