package dev.freqmed.backbone.diffusion;

import dev.freqmed.nn.Layers;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.freqmed.nn.GroupNormBlock;
import dev.freqmed.nn.LoraConfig;
import dev.freqmed.nn.LoraConv2dBlock;
import dev.freqmed.nn.LoraLinearBlock;
import dev.freqmed.nn.RoutedConv2d;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Makes the leaf layers of the diffusion backbones (convolutions, linear layers, norms) with their
 * parameter shapes set at construction, so that a network of any size can be counted without
 * allocating a weight, and wraps the layers a LoRA plan targets in {@link LoraConv2dBlock} or
 * {@link LoraLinearBlock}.
 *
 * <p>Targets follow PEFT's rule for a list of {@code target_modules}: a module whose full name
 * (e.g. {@code down_blocks.0.resnets.0.conv1}) equals a target or ends with {@code "." + target}
 * is wrapped. Reference: peft {@code tuners/tuners_utils.py} {@code check_target_module_exists}.
 */
public final class SdLayers {

    /** A leaf layer and an input shape that initialises it to its final parameter shapes. */
    public record Layer(Block block, Shape nominalInput) {
    }

    private final LoraConfig lora;
    private final List<String> targets;
    private final Predicate<String> trainableBase;

    /**
     * @param lora          adapter settings, or null for no adapters
     * @param targets       module-name suffixes to wrap (ignored without {@code lora})
     * @param trainableBase which wrapped modules keep their base weights trainable
     */
    public SdLayers(LoraConfig lora, List<String> targets, Predicate<String> trainableBase) {
        this.lora = lora;
        this.targets = List.copyOf(targets);
        this.trainableBase = trainableBase;
    }

    /** Layers without adapters. */
    public static SdLayers plain() {
        return new SdLayers(null, List.of(), p -> false);
    }

    /** Whether the module of full name {@code path} gets an adapter. */
    public boolean targeted(String path) {
        if (lora == null) {
            return false;
        }
        for (String t : targets) {
            if (path.equals(t) || path.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A PyTorch {@code nn.Conv2d} with square kernel and symmetric padding.
     *
     * @param path full module name (for LoRA targeting)
     * @return the layer, LoRA-wrapped when targeted
     */
    public Layer conv(String path, int in, int out, int kernel, int stride, int padding,
            boolean bias) {
        RoutedConv2d base = (RoutedConv2d) RoutedConv2d.routedBuilder()
                .setFilters(out)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optBias(bias)
                .build();
        shape(base, "weight", new Shape(out, in, kernel, kernel));
        if (bias) {
            shape(base, "bias", new Shape(out));
        }
        Shape nominal = new Shape(1, in, kernel, kernel);
        if (!targeted(path)) {
            return new Layer(base, nominal);
        }
        LoraConv2dBlock wrapped = LoraConv2dBlock.builder().setBase(base).setConfig(lora)
                .setRandom(new Random(0)).optTrainableBase(trainableBase.test(path)).build();
        Block a = child(wrapped, "lora_A");
        Block b = child(wrapped, "lora_B");
        shape(a, "weight", new Shape(lora.rank(), in, kernel, kernel));
        shape(b, "weight", new Shape(out, lora.rank(), 1, 1));
        return new Layer(wrapped, nominal);
    }

    /**
     * A PyTorch {@code nn.Linear}.
     *
     * @param path full module name (for LoRA targeting)
     * @return the layer, LoRA-wrapped when targeted
     */
    public Layer linear(String path, int in, int out, boolean bias) {
        Linear base = Linear.builder().setUnits(out).optBias(bias).build();
        shape(base, "weight", new Shape(out, in));
        if (bias) {
            shape(base, "bias", new Shape(out));
        }
        Shape nominal = new Shape(1, in);
        if (!targeted(path)) {
            return new Layer(base, nominal);
        }
        LoraLinearBlock wrapped = LoraLinearBlock.builder().setBase(base).setConfig(lora)
                .setRandom(new Random(0)).optTrainableBase(trainableBase.test(path)).build();
        shape(child(wrapped, "lora_A"), "weight", new Shape(lora.rank(), in));
        shape(child(wrapped, "lora_B"), "weight", new Shape(out, lora.rank()));
        return new Layer(wrapped, nominal);
    }

    /** {@code nn.GroupNorm(groups, channels, eps)} with affine parameters. */
    public static Layer groupNorm(int groups, int channels, float eps) {
        return groupNorm(groups, channels, eps, false);
    }

    /**
     * {@code nn.GroupNorm(groups, channels, eps)} with affine parameters, followed by SiLU when
     * {@code silu} (one kernel where the engine has it: {@link GroupNormBlock}).
     */
    public static Layer groupNorm(int groups, int channels, float eps, boolean silu) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels are not"
                    + " divisible into " + groups + " groups");
        }
        return new Layer(GroupNormBlock.builder().setGroups(groups).setChannels(channels)
                .optEps(eps).optSiluAfter(silu).build(), new Shape(1, channels));
    }

    /** {@code nn.LayerNorm(dim, eps)} over the last axis. */
    public static Layer layerNorm(int dim, float eps) {
        LayerNorm ln = LayerNorm.builder().axis(1).optEpsilon(eps).build();
        shape(ln, "gamma", new Shape(dim));
        shape(ln, "beta", new Shape(dim));
        return new Layer(ln, new Shape(1, dim));
    }

    private static void shape(Block b, String name, Shape s) {
        Parameter p = b.getParameters().get(name);
        if (p == null) {
            throw new IllegalStateException(b + " has no parameter " + name);
        }
        p.setShape(s);
    }

    private static Block child(Block b, String name) {
        for (var c : b.getChildren()) {
            if (c.getKey().endsWith(name)) {
                return c.getValue();
            }
        }
        throw new IllegalStateException(b + " has no child " + name);
    }
}
