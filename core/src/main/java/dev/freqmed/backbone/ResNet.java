package dev.freqmed.backbone;

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
 */
public final class ResNet extends AbstractBlock {

    private final int inChannels;
    private final int baseWidth;
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final List<IndexedSequentialBlock> layers = new ArrayList<>();
    private final List<Integer> stageInputs = new ArrayList<>();

    /**
     * @param inChannels input channels of the stem (3 for RGB, 1 for a single map)
     * @param baseWidth  bottleneck width of the first stage (64 for ResNet-50)
     * @param depths     bottleneck blocks per stage ([3, 4, 6, 3] for ResNet-50)
     * @param stageNames the four stage child names
     */
    public ResNet(int inChannels, int baseWidth, List<Integer> depths, List<String> stageNames) {
        if (depths.size() != 4 || stageNames.size() != 4) {
            throw new IllegalArgumentException("ResNet needs 4 stage depths and names, found "
                    + depths + " and " + stageNames);
        }
        this.inChannels = inChannels;
        this.baseWidth = baseWidth;
        conv1 = addChildBlock("conv1", Layers.conv(baseWidth, 7, 2, 3, false));
        bn1 = addChildBlock("bn1", Layers.batchNorm());
        int inplanes = baseWidth;
        for (int s = 0; s < 4; s++) {
            int planes = baseWidth << s;
            int stride = s == 0 ? 1 : 2;
            IndexedSequentialBlock stage = new IndexedSequentialBlock();
            stageInputs.add(inplanes);
            for (int i = 0; i < depths.get(s); i++) {
                boolean down = i == 0 && (stride != 1 || inplanes != planes * 4);
                stage.add(new BottleneckBlock(inplanes, planes, i == 0 ? stride : 1, down),
                        Layers.nchw(inplanes));
                inplanes = planes * 4;
            }
            layers.add(addChildBlock(stageNames.get(s), stage));
        }
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
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Shape[] out = new Shape[4];
        for (int s = 0; s < 4; s++) {
            long f = 4L << s;
            out[s] = new Shape(in.get(0), stageChannels(s + 1), in.get(2) / f, in.get(3) / f);
        }
        return out;
    }
}
