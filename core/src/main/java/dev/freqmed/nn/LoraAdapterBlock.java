package dev.freqmed.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Scalars;
import java.util.Random;

/**
 * What PEFT's LoRA layers share, whatever the wrapped layer: children {@code base_layer},
 * {@code lora_A}, {@code lora_B}; {@code y = base(x) + scaling · B(A(dropout(x)))}; the adapter
 * drawn at construction, the base frozen unless asked otherwise; merging into the base weight.
 * {@link LoraLinearBlock} and {@link LoraConv2dBlock} say how A and B are shaped.
 *
 * @param <B> the wrapped layer's type
 */
public abstract class LoraAdapterBlock<B extends Block> extends AbstractBlock {

    private static final byte VERSION = 1;

    private final LoraConfig config;
    private final B base;
    private final Block loraA;
    private final Block loraB;
    /** Set by {@link #merge}; cleared by a training pass, which may move {@code lora_B} again. */
    private volatile boolean merged;
    /** {@code lora_B} as it was before {@link #merge}, for {@link #unmerge}; null otherwise. */
    private float[] bBeforeMerge;

    /**
     * @param config        rank, alpha, dropout and initialisation
     * @param base          the wrapped layer, initialised or not
     * @param loraA         the down projection, without bias
     * @param loraB         the up projection, without bias
     * @param random        seeded source {@code lora_A} is drawn from
     * @param trainableBase true to leave the base parameters trainable
     */
    protected LoraAdapterBlock(LoraConfig config, B base, Block loraA, Block loraB, Random random,
            boolean trainableBase) {
        super(VERSION);
        this.config = config;
        this.base = base;
        addChildBlock("base_layer", base);
        this.loraA = addChildBlock("lora_A", loraA);
        this.loraB = addChildBlock("lora_B", loraB);
        Lora.initializeAdapter(loraA, loraB, config, random);
        Lora.freeze(base, !trainableBase);
    }

    /**
     * The adapter settings.
     *
     * @return the settings
     */
    public LoraConfig getConfig() {
        return config;
    }

    /**
     * The wrapped layer.
     *
     * @return the base layer
     */
    public B getBase() {
        return base;
    }

    /**
     * Folds {@code scaling · B·A} into {@code base_layer.weight} and sets {@code lora_B} to zero,
     * so the output is unchanged and now comes from the base layer alone: until the next training
     * pass, inference runs the base layer only (the adapter's two layers are skipped), and
     * {@link #unmerge} can take the adapter out again. Call it outside a gradient collector.
     * Training afterwards restarts the adapter from the merged weights. Merging a merged block
     * changes nothing.
     *
     * @throws IllegalStateException if the block is not initialized
     */
    public void merge() {
        merge(true);
    }

    /** {@link #merge}, keeping {@code lora_B} for {@link #unmerge} only when asked. */
    synchronized void merge(boolean keepForUnmerge) {
        if (merged) {
            return;
        }
        Parameter b = loraB.getParameters().get("weight");
        float[] kept = keepForUnmerge ? Lora.require(b, "lora_B.weight").toFloatArray() : null;
        Lora.fold(base.getParameters().get("weight"), loraA.getParameters().get("weight"), b,
                config.scaling());
        Lora.zero(b.getArray());
        bBeforeMerge = kept;
        merged = true;
    }

    /**
     * Undoes {@link #merge}: {@code lora_B} gets its values back and {@code scaling · B·A} is
     * taken out of {@code base_layer.weight} (equal to the weight before merging up to float
     * rounding), so base and adapter are separate again.
     *
     * @throws IllegalStateException when the block is not merged, was merged for inference only
     *                               ({@link Lora#mergeAll}), or has trained since
     */
    public synchronized void unmerge() {
        if (!merged || bBeforeMerge == null) {
            throw new IllegalStateException("LoRA adapter: nothing to unmerge (" + (!merged
                    ? "not merged, or trained since merging" : "merged for inference only")
                    + ")");
        }
        Parameter b = loraB.getParameters().get("weight");
        NDArray bv = b.getArray();
        HostArrays.copyInto(bv, bBeforeMerge);
        Lora.fold(base.getParameters().get("weight"), loraA.getParameters().get("weight"), b,
                -config.scaling());
        bBeforeMerge = null;
        merged = false;
    }

    /**
     * Whether the adapter is folded into the base weight and skipped at inference.
     *
     * @return true after {@link #merge} until a training pass
     */
    public boolean isMerged() {
        return merged;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (training) {
            merged = false; // the update after this pass may make lora_B non-zero again
            bBeforeMerge = null;
        } else if (merged) {
            return base.forward(ps, inputs, false, params); // B is zero: the adapter adds 0
        }
        NDArray x = inputs.singletonOrThrow();
        NDArray y = base.forward(ps, inputs, training, params).singletonOrThrow();
        NDArray h = Lora.dropout(x, config, training);
        h = loraA.forward(ps, new NDList(h), training, params).singletonOrThrow();
        h = loraB.forward(ps, new NDList(h), training, params).singletonOrThrow();
        return new NDList(y.add(Scalars.mul(h, config.scaling())));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType,
            Shape... inputShapes) {
        if (!base.isInitialized()) {
            base.initialize(manager, dataType, inputShapes[0]);
        }
        loraA.initialize(manager, dataType, inputShapes[0]);
        loraB.initialize(manager, dataType, loraA.getOutputShapes(inputShapes)[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return base.getOutputShapes(inputShapes);
    }
}
