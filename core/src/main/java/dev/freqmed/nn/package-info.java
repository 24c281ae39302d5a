/**
 * Generic network blocks shared by the FreqMed systems: the scoped-forward base that frees each
 * block's temporaries, layer helpers ({@code Layers}), {@code IndexedSequentialBlock} and
 * {@code ContainerBlock} (children named like PyTorch's Sequential and ModuleList), convolutions
 * with TensorFlow-"same"
 * padding, separable convolutions with batch normalisation, group and channels-first layer
 * normalisation, squeeze-and-excitation, the transformer pieces (multi-head attention with query
 * chunking and SAM's relative positions, PyTorch-style cross-attention, MLP, LayerScale, SAM- and DINOv2-style ViT blocks) and
 * PEFT-style LoRA adapters for linear and convolution layers. Child blocks and parameters are
 * named after the reference layers so weights import by lookup.
 */
package dev.freqmed.nn;
