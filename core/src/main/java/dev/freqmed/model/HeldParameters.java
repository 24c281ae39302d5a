package dev.freqmed.model;

import java.util.Set;

/**
 * A network that holds parameters its forward pass never uses, so that a reference checkpoint
 * with those keys loads strictly (FSANet keeps three unused convolutions and a BatchNorm, as its
 * reference does). Such parameters get no gradient; the model contract test exempts them.
 */
public interface HeldParameters {

    /** The PyTorch-style keys of the trainable parameters never used in the forward pass. */
    Set<String> heldUnusedParameters();

    /**
     * The keys of trainable parameters whose gradient is zero in theory: a constant shift that a
     * following normalisation or softmax removes (a bias before BatchNorm, the key bias of an
     * attention). Numerically their gradients are rounding noise; gradient checks require them
     * to be negligible instead of comparing two noises.
     */
    default Set<String> vanishingGradientParameters() {
        return Set.of();
    }
}
