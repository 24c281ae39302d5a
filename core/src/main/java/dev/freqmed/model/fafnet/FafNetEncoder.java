package dev.freqmed.model.fafnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.Layers;
import dev.freqmed.backbone.ResNet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * FAF-Net's encoder (reference: {@code models/encoder.py Res101Encoder}; spec §2): a backbone to
 * output stride 4, then {@code reduce1} (1×1, no bias) to the feature width C and the adaptive
 * threshold head {@code down} (1×1 to C, ReLU, 1×1 to 1, no biases).
 *
 * <p>Input (B, 1, H, W) grey slices (replicated to 3 channels for ResNet-101, as the reference
 * feeds three identical channels); output {@code NDList(F (B, C, h, w), T (B, 1, h, w))} with
 * h = ⌈⌈H/2⌉/2⌉. ResNet-101 also holds {@code layer4}, {@code fc} and {@code reduce2}, which the
 * reference computes and never uses; they are kept so every reference key loads but not computed.
 */
final class FafNetEncoder extends AbstractBlock {

    private final FafNetConfig config;
    private final ResNet resnet;
    private final IndexedSequentialBlock small;
    private final Conv2d reduce1;
    private final Conv2d reduce2;
    private final IndexedSequentialBlock down;
    private final int stageChannels;

    FafNetEncoder(FafNetConfig config) {
        this.config = config;
        int c = config.featureChannels();
        if (config.backbone() == FafNetConfig.Backbone.RESNET101) {
            resnet = addChildBlock("backbone",
                    ResNet.resnet101(3, new boolean[] {true, true, false}));
            small = null;
            stageChannels = resnet.stageChannels(3);
        } else {
            resnet = null;
            List<Integer> w = config.smallWidths();
            int[] strides = {2, 2, 1, 1};
            int[] dilations = {1, 1, 2, 2};
            IndexedSequentialBlock b = new IndexedSequentialBlock();
            int in = 1;
            for (int i = 0; i < 4; i++) {
                Block conv = dilations[i] == 1 ? Layers.conv(w.get(i), 3, strides[i], 1, false)
                        : Layers.dilatedConv(w.get(i), 3, strides[i], dilations[i],
                                dilations[i], false);
                b.add(conv, Layers.nchw(in));
                b.add(Layers.batchNorm(), Layers.nchw(w.get(i)));
                b.add(x -> x.getNDArrayInternal().relu());
                in = w.get(i);
            }
            small = addChildBlock("backbone", b);
            stageChannels = in;
        }
        reduce1 = addChildBlock("reduce1", Layers.conv(c, 1, 1, 0, false));
        reduce2 = resnet == null ? null
                : addChildBlock("reduce2", Layers.conv(c, 1, 1, 0, false));
        down = addChildBlock("down", new IndexedSequentialBlock()
                .add(Layers.conv(c, 1, 1, 0, false), Layers.nchw(stageChannels))
                .add(x -> x.getNDArrayInternal().relu())
                .add(Layers.conv(1, 1, 1, 0, false), Layers.nchw(c)));
    }

    /** Keys (relative to this block) of parameters the forward pass never uses. */
    Set<String> unusedKeys() {
        Set<String> out = new LinkedHashSet<>();
        if (resnet != null) {
            out.add("reduce2.weight");
            for (String k : resnet.classifierKeys()) {
                out.add("backbone." + k);
            }
        }
        return out;
    }

    /** The ResNet-101 backbone, or null for the small one. */
    ResNet resnet() {
        return resnet;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray stage3;
        if (resnet != null) {
            NDArray rgb = x.repeat(1, 3);
            stage3 = resnet.forwardStages(ps, rgb, training, 3).get(2);
        } else {
            stage3 = small.forward(ps, new NDList(x), training).singletonOrThrow();
        }
        NDArray f = reduce1.forward(ps, new NDList(stage3), training).singletonOrThrow();
        NDArray t = down.forward(ps, new NDList(stage3), training).singletonOrThrow();
        return new NDList(f, t);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        if (resnet != null) {
            resnet.initialize(manager, dataType, new Shape(1, 3, 64, 64));
            reduce2.initialize(manager, dataType, Layers.nchw(resnet.stageChannels(4)));
        } else {
            small.initialize(manager, dataType, new Shape(1, 1, 64, 64));
        }
        reduce1.initialize(manager, dataType, Layers.nchw(stageChannels));
        down.initialize(manager, dataType, Layers.nchw(stageChannels));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long h = FafNetConfig.featureSide((int) in.get(2));
        long w = FafNetConfig.featureSide((int) in.get(3));
        return new Shape[] {new Shape(in.get(0), config.featureChannels(), h, w),
            new Shape(in.get(0), 1, h, w)};
    }
}
