package dev.freqmed.model.diffusionffpe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.backbone.diffusion.SdBlock;
import dev.freqmed.backbone.diffusion.SdList;

/**
 * The trainable head of one vision-aided discriminator ({@code MultiLevelDViT(level=3, down=2)},
 * spec §4.5), keys as in the reference's state dict: {@code decoder.0.decoder.{0,1}} (per token
 * map: BlurPool pad 2, SN-conv 3×3 stride 2, LeakyReLU 0.2, BlurPool pad 1, SN-conv 1×1 stride 2
 * to one logit map), {@code decoder.0.decoder.2.0} (SN-linear on the global feature, LeakyReLU)
 * and {@code decoder.0.out} (SN-linear to one logit).
 *
 * <p>Inputs: two maps {@code (N, D, g, g)} and the global feature {@code (N, D)}; outputs three
 * logit arrays {@code (N, 1, k, k)}, {@code (N, 1, k, k)}, {@code (N, 1)}.
 * Reference: vision-aided-gan {@code cv_discriminator.py} {@code MultiLevelDViT}.
 */
final class MultiLevelHeadBlock extends SdBlock {

    private final SdBlock[][] maps = new SdBlock[2][];
    private final SpectralNormBlock global;
    private final SpectralNormBlock out;

    MultiLevelHeadBlock(int dim, int channels) {
        SdList outer = add("decoder", new SdList());
        Container head = outer.append(new Container());
        SdList branches = head.put("decoder", new SdList());
        for (int b = 0; b < 2; b++) {
            SdList seq = branches.append(new SdList());
            maps[b] = new SdBlock[] {
                seq.append(new BlurPoolBlock(dim, 2)),
                seq.append(SpectralNormBlock.conv(dim, channels, 3, 2)),
                seq.append(new Container()),
                seq.append(new BlurPoolBlock(channels, 1)),
                seq.append(SpectralNormBlock.conv(channels, 1, 1, 2))};
        }
        SdList g = branches.append(new SdList());
        global = g.append(SpectralNormBlock.linear(dim, channels, true));
        out = head.put("out", SpectralNormBlock.linear(channels, 1, true));
    }

    /** Every BlurPool of the head, for initialising their fixed filters. */
    BlurPoolBlock[] blurs() {
        return new BlurPoolBlock[] {(BlurPoolBlock) maps[0][0], (BlurPoolBlock) maps[0][3],
            (BlurPoolBlock) maps[1][0], (BlurPoolBlock) maps[1][3]};
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList logits = new NDList();
        for (int b = 0; b < 2; b++) {
            NDArray h = inputs.get(b);
            h = call(maps[b][0], ps, h, training);
            h = leaky(call(maps[b][1], ps, h, training));
            h = call(maps[b][3], ps, h, training);
            logits.add(call(maps[b][4], ps, h, training));
        }
        NDArray g = leaky(call(global, ps, inputs.get(2), training));
        logits.add(call(out, ps, g, training));
        return logits;
    }

    private static NDArray leaky(NDArray x) {
        return x.getNDArrayInternal().leakyRelu(0.2f);
    }
}
