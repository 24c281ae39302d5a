/**
 * NIfTI-1 volume reading ({@code .nii} and {@code .nii.gz}): header, dimensions, voxel spacing,
 * every common data type and the intensity scaling of {@code scl_slope}/{@code scl_inter}.
 */
package dev.freqmed.data.nifti;
