package dev.freqmed.backbone;

import dev.freqmed.nn.Layers;
import dev.freqmed.nn.IndexedSequentialBlock;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A bottleneck ResNet encoder (He et al. 2016, "v1.5" layout with the stride on the 3×3) without
 * pooling head: stem {@code conv1} 7×7/2 (no bias), {@code bn1}, ReLU, max-pool 3×3/2, then four
 * stages of {@link BottleneckBlock}s. Input (N, C<sub>in</sub>, H, W); output the four stage maps
 * (N, 4w·2<sup>k−1</sup>, H/2<sup>k+1</sup>, W/2<sup>k+1</sup>), k = 1..4, w the base width.
 *
 * <p>Stage names are given so that the same code holds torchvision's {@code layer1..layer4} and
 * FSANet's {@code layer1, layer2, layer3_1, layer4_1}.
 *
 * <p>Stages 2–4 may replace their stride by dilation as torchvision's
 * {@code replace_stride_with_dilation} does (DeepLabV3, FAF-Net): such a stage keeps the
 * resolution, its first block uses the dilation reached so far and the others that dilation times
 * the replaced stride; later strided stages keep the dilation reached. An optional {@code fc}
 * classifier holds torchvision's head so that a whole torchvision state dict loads; it is not
 * used by {@link #forward}.
 */
public final class ResNet extends AbstractBlock {

    private final int inChannels;
    private final int baseWidth;
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final List<IndexedSequentialBlock> layers = new ArrayList<>();
    private final List<Integer> stageInputs = new ArrayList<>();
    private final int[] stageStrides = new int[4];
    private final ai.djl.nn.core.Linear fc;

    /**
     * @param inChannels input channels of the stem (3 for RGB, 1 for a single map)
     * @param baseWidth  bottleneck width of the first stage (64 for ResNet-50)
     * @param depths     bottleneck blocks per stage ([3, 4, 6, 3] for ResNet-50)
     * @param stageNames the four stage child names
     */
    public ResNet(int inChannels, int baseWidth, List<Integer> depths, List<String> stageNames) {
        this(inChannels, baseWidth, depths, stageNames, new boolean[3], 0);
    }

    /**
     * @param inChannels input channels of the stem
     * @param baseWidth  bottleneck width of the first stage
     * @param depths     bottleneck blocks per stage
     * @param stageNames the four stage child names
     * @param dilate     for stages 2, 3 and 4: replace the stride by dilation
     * @param classes    units of an unused {@code fc} classifier (torchvision: 1000), 0 for none
     */
    public ResNet(int inChannels, int baseWidth, List<Integer> depths, List<String> stageNames,
            boolean[] dilate, int classes) {
        if (dilate.length != 3) {
            throw new IllegalArgumentException("ResNet needs 3 dilation flags (stages 2-4), found "
                    + dilate.length);
        }
        if (depths.size() != 4 || stageNames.size() != 4) {
            throw new IllegalArgumentException("ResNet needs 4 stage depths and names, found "
                    + depths + " and " + stageNames);
        }
        this.inChannels = inChannels;
        this.baseWidth = baseWidth;
        conv1 = addChildBlock("conv1", Layers.conv(baseWidth, 7, 2, 3, false));
        bn1 = addChildBlock("bn1", Layers.batchNorm());
        int inplanes = baseWidth;
        int dilation = 1;
        for (int s = 0; s < 4; s++) {
            int planes = baseWidth << s;
            int stride = s == 0 ? 1 : 2;
            int previous = dilation;
            if (s > 0 && dilate[s - 1]) {
                dilation *= stride;
                stride = 1;
            }
            stageStrides[s] = stride;
            IndexedSequentialBlock stage = new IndexedSequentialBlock();
            stageInputs.add(inplanes);
            for (int i = 0; i < depths.get(s); i++) {
                boolean down = i == 0 && (stride != 1 || inplanes != planes * 4);
                stage.add(new BottleneckBlock(inplanes, planes, i == 0 ? stride : 1,
                        i == 0 ? previous : dilation, down), Layers.nchw(inplanes));
                inplanes = planes * 4;
            }
            layers.add(addChildBlock(stageNames.get(s), stage));
        }
        fc = classes > 0 ? addChildBlock("fc", Layers.linear(classes, true)) : null;
    }

    /**
     * torchvision's ResNet-101 ({@code resnet101(replace_stride_with_dilation=dilate)}) with its
     * {@code fc} head of 1000 classes, so that torchvision and DeepLabV3 backbone keys load.
     */
    public static ResNet resnet101(int inChannels, boolean[] dilate) {
        return new ResNet(inChannels, 64, List.of(3, 4, 23, 3),
                List.of("layer1", "layer2", "layer3", "layer4"), dilate, 1000);
    }

    /** The keys of the unused classifier ({@code fc.weight}, {@code fc.bias}), if any. */
    public List<String> classifierKeys() {
        return fc == null ? List.of() : List.of("fc.weight", "fc.bias");
    }

    /**
     * The stem and the first {@code stages} stages only (later stages are not computed).
     *
     * @param x (N, C<sub>in</sub>, H, W)
     * @return the maps of stages 1..{@code stages}
     */
    public NDList forwardStages(ParameterStore ps, NDArray x, boolean training, int stages) {
        if (stages < 1 || stages > 4) {
            throw new IllegalArgumentException("stages must be 1..4, found " + stages);
        }
        NDArray y = conv1.forward(ps, new NDList(x), training).singletonOrThrow();
        y = bn1.forward(ps, new NDList(y), training).singletonOrThrow();
        y = Pool.maxPool2d(y.getNDArrayInternal().relu(), new Shape(3, 3), new Shape(2, 2),
                new Shape(1, 1), false);
        NDList outs = new NDList(stages);
        for (int s = 0; s < stages; s++) {
            y = layers.get(s).forward(ps, new NDList(y), training).singletonOrThrow();
            outs.add(y);
        }
        return outs;
    }

    /** ResNet-50 with the given stem input channels and torchvision's stage names. */
    public static ResNet resnet50(int inChannels) {
        return new ResNet(inChannels, 64, List.of(3, 4, 6, 3),
                List.of("layer1", "layer2", "layer3", "layer4"));
    }

    /** Output channels of stage {@code k} (1-based). */
    public int stageChannels(int k) {
        return (baseWidth << (k - 1)) * 4;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = conv1.forward(ps, inputs, training, params).singletonOrThrow();
        x = bn1.forward(ps, new NDList(x), training, params).singletonOrThrow();
        x = Pool.maxPool2d(x.getNDArrayInternal().relu(), new Shape(3, 3), new Shape(2, 2),
                new Shape(1, 1), false);
        NDList outs = new NDList(4);
        for (IndexedSequentialBlock layer : layers) {
            x = layer.forward(ps, new NDList(x), training, params).singletonOrThrow();
            outs.add(x);
        }
        return outs;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv1.initialize(manager, dataType, Layers.nchw(inChannels));
        bn1.initialize(manager, dataType, Layers.nchw(baseWidth));
        for (int s = 0; s < 4; s++) {
            layers.get(s).initialize(manager, dataType, Layers.nchw(stageInputs.get(s)));
        }
        if (fc != null) {
            fc.initialize(manager, dataType, new Shape(1, stageChannels(4)));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Shape[] out = new Shape[4];
        // Stem: 7x7/2 pad 3, then max-pool 3x3/2 pad 1; each strided 3x3 has padding >= 1.
        long h = (in.get(2) - 1) / 2 + 1;
        long w = (in.get(3) - 1) / 2 + 1;
        h = (h - 1) / 2 + 1;
        w = (w - 1) / 2 + 1;
        for (int s = 0; s < 4; s++) {
            h = (h - 1) / stageStrides[s] + 1;
            w = (w - 1) / stageStrides[s] + 1;
            out[s] = new Shape(in.get(0), stageChannels(s + 1), h, w);
        }
        return out;
    }
}
