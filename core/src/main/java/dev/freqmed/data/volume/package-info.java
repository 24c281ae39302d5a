/**
 * Volume preprocessing for few-shot organ segmentation: 3-D Felzenszwalb supervoxels with the
 * per-slice body mask, and the folder runner that turns NIfTI volumes into supervoxel label
 * volumes.
 */
package dev.freqmed.data.volume;
