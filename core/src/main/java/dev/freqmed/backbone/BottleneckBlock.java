package dev.freqmed.backbone;

import dev.freqmed.nn.Layers;
import dev.freqmed.nn.IndexedSequentialBlock;
import dev.freqmed.nn.ScopedForward;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * ResNet bottleneck (expansion 4): {@code conv1} 1×1, {@code bn1}, ReLU, {@code conv2} 3×3 with
 * the stride, {@code bn2}, ReLU, {@code conv3} 1×1, {@code bn3}, plus the identity or
 * {@code downsample} (0: 1×1 strided conv, 1: BN), then ReLU. No convolution has a bias. The
 * 3×3 may be dilated (padding = dilation), as in torchvision's {@code replace_stride_with_dilation}.
 */
public final class BottleneckBlock extends AbstractBlock {

    private final int inplanes;
    private final int planes;
    private final int stride;
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;
    private final Conv2d conv3;
    private final BatchNorm bn3;
    private final IndexedSequentialBlock downsample;

    /**
     * @param inplanes   input channels
     * @param planes     bottleneck width (output is 4×)
     * @param stride     stride of the 3×3
     * @param downsample whether the shortcut is projected
     */
    public BottleneckBlock(int inplanes, int planes, int stride, boolean downsample) {
        this(inplanes, planes, stride, 1, downsample);
    }

    /**
     * @param inplanes   input channels
     * @param planes     bottleneck width (output is 4×)
     * @param stride     stride of the 3×3
     * @param dilation   dilation of the 3×3 (its padding)
     * @param downsample whether the shortcut is projected
     */
    public BottleneckBlock(int inplanes, int planes, int stride, int dilation,
            boolean downsample) {
        this.inplanes = inplanes;
        this.planes = planes;
        this.stride = stride;
        conv1 = addChildBlock("conv1", Layers.conv(planes, 1, 1, 0, false));
        bn1 = addChildBlock("bn1", Layers.batchNorm());
        conv2 = addChildBlock("conv2", dilation == 1 ? Layers.conv(planes, 3, stride, 1, false)
                : Layers.dilatedConv(planes, 3, stride, dilation, dilation, false));
        bn2 = addChildBlock("bn2", Layers.batchNorm());
        conv3 = addChildBlock("conv3", Layers.conv(planes * 4, 1, 1, 0, false));
        bn3 = addChildBlock("bn3", Layers.batchNorm());
        if (downsample) {
            this.downsample = addChildBlock("downsample", new IndexedSequentialBlock()
                    .add(Layers.conv(planes * 4, 1, stride, 0, false), Layers.nchw(inplanes))
                    .add(Layers.batchNorm(), Layers.nchw(planes * 4L)));
        } else {
            this.downsample = null;
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return ScopedForward.run(inputs, training, in -> compute(ps, in, training, params));
    }

    private NDList compute(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = conv1.forward(ps, inputs, training, params).singletonOrThrow();
        y = bn1.forward(ps, new NDList(y), training, params).singletonOrThrow();
        y = conv2.forward(ps, new NDList(y.getNDArrayInternal().relu()), training, params)
                .singletonOrThrow();
        y = bn2.forward(ps, new NDList(y), training, params).singletonOrThrow();
        y = conv3.forward(ps, new NDList(y.getNDArrayInternal().relu()), training, params)
                .singletonOrThrow();
        y = bn3.forward(ps, new NDList(y), training, params).singletonOrThrow();
        NDArray shortcut = downsample == null ? x
                : downsample.forward(ps, inputs, training, params).singletonOrThrow();
        return new NDList(y.add(shortcut).getNDArrayInternal().relu());
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv1.initialize(manager, dataType, Layers.nchw(inplanes));
        bn1.initialize(manager, dataType, Layers.nchw(planes));
        conv2.initialize(manager, dataType, Layers.nchw(planes));
        bn2.initialize(manager, dataType, Layers.nchw(planes));
        conv3.initialize(manager, dataType, Layers.nchw(planes));
        bn3.initialize(manager, dataType, Layers.nchw(planes * 4L));
        if (downsample != null) {
            downsample.initialize(manager, dataType, Layers.nchw(inplanes));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        Shape s = in[0];
        return new Shape[] {new Shape(s.get(0), planes * 4L, (s.get(2) - 1) / stride + 1,
                (s.get(3) - 1) / stride + 1)};
    }
}
