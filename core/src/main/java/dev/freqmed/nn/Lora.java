package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.initializer.Initializer;
import dev.freqmed.tensor.Init;
import dev.freqmed.tensor.Scalars;
import java.util.Random;

/** What {@link LoraLinearBlock} and {@link LoraConv2dBlock} share. */
public final class Lora {

    private Lora() {
    }

    /**
     * Merges every LoRA adapter in a network into its base weight ({@link LoraAdapterBlock#merge}):
     * the outputs stay the same and inference no longer runs the adapters. For inference-only
     * use of a loaded model (translation): nothing is kept for {@link LoraAdapterBlock#unmerge},
     * and a network that trains on afterwards restarts its adapters from the merged weights, with
     * its optimiser state no longer matching them.
     *
     * @param root the network
     * @return how many adapters were merged
     */
    public static int mergeAll(Block root) {
        if (root instanceof LoraAdapterBlock<?> lora) {
            lora.merge(false);
            return 1;
        }
        int n = 0;
        for (Block child : root.getChildren().values()) {
            n += mergeAll(child);
        }
        return n;
    }

    /** The initialiser of {@code lora_A.weight} (PEFT {@code reset_lora_parameters}). */
    static Initializer initializerOfA(LoraConfig config, Random rng) {
        if (config.initialization() == LoraConfig.Initialization.GAUSSIAN) {
            return Init.truncNormal(0, 1.0 / config.rank(), Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY, rng);
        }
        return Init.torchDefaultWeight(rng);
    }

    /** Prepares the two adapter layers: A from {@code rng}, B zero. */
    static void initializeAdapter(Block a, Block b, LoraConfig config, Random rng) {
        a.getParameters().get("weight").setInitializer(initializerOfA(config, rng));
        b.getParameters().get("weight").setInitializer(Initializer.ZEROS);
    }

    /** Freezes (or unfreezes) every parameter of the base layer. */
    static void freeze(Block base, boolean frozen) {
        for (Parameter p : base.getParameters().values()) {
            p.freeze(frozen);
        }
    }

    /** The adapter input: dropout while training when configured, else {@code x}. */
    static NDArray dropout(NDArray x, LoraConfig config, boolean training) {
        if (!training || config.dropout() == 0f) {
            return x;
        }
        return Dropout.dropout(x, config.dropout(), true).singletonOrThrow();
    }

    /**
     * Adds {@code scaling · B·A} to the base weight (PEFT {@code get_delta_weight}: for a
     * convolution {@code B (out, r, 1, 1)} and {@code A (r, in, kh, kw)} combine into
     * {@code (out, in, kh, kw)}); a negative {@code scaling} takes it out again. Runs outside
     * autograd, in place, with its temporaries in a scope of their own.
     */
    static void fold(Parameter baseWeight, Parameter a, Parameter b, float scaling) {
        NDArray w = require(baseWeight, "base_layer.weight");
        NDArray av = require(a, "lora_A.weight");
        NDArray bv = require(b, "lora_B.weight");
        try (NDManager scope = w.getManager().newSubManager()) {
            av.tempAttach(scope);
            bv.tempAttach(scope);
            long out = bv.getShape().get(0);
            long rank = bv.getShape().get(1);
            NDArray delta = Scalars.mul(bv.reshape(out, rank).matMul(av.reshape(rank, -1)), scaling)
                    .reshape(w.getShape());
            w.set(new NDIndex("..."), delta.add(w));
        }
    }

    /** Sets an array to zero in place, its temporaries in a scope of their own. */
    static void zero(NDArray a) {
        try (NDManager scope = a.getManager().newSubManager()) {
            a.tempAttach(scope);
            a.set(new NDIndex("..."), 0f);
        }
    }

    /** Throws unless {@code p} holds an array. */
    static NDArray require(Parameter p, String key) {
        if (!p.isInitialized()) {
            throw new IllegalStateException(key + " is not initialized; initialize the block"
                    + " before merging");
        }
        return p.getArray();
    }
}
