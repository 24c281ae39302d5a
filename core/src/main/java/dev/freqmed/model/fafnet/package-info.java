/**
 * FAF-Net (few-shot organ segmentation with an adaptive Fourier filter): the network, its
 * configuration, the self-supervised episode sampler over supervoxels, the episodic training
 * step, and the SSL-ALPNet evaluation protocol with NIfTI prediction of new volumes.
 */
package dev.freqmed.model.fafnet;
