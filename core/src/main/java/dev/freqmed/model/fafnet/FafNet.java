package dev.freqmed.model.fafnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.WeightNameTable;
import dev.freqmed.model.HeldParameters;
import dev.freqmed.nn.freq.FourierFilteredAttentionBlock;
import dev.freqmed.tensor.HostArrays;
import dev.freqmed.tensor.Resize;
import dev.freqmed.tensor.Scalars;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * FAF-Net (reference: {@code models/fewshot_fafnet.py FewShotSeg}; spec §2): 1-way 1-shot
 * segmentation of a query slice from one support slice and its mask.
 *
 * <p>Input: episodes packed as one array (N, 3, S, S), S = {@code inputSize}: channel 0 the
 * support slice, channel 1 its mask (foreground where > 0.5), channel 2 the query slice (slices
 * z-scored per volume). Support and query go through the {@link FafNetEncoder} together (BN
 * statistics over the 2N images, as the reference's batch of 2). Per episode:
 * <ol>
 *   <li>support prototype by masked average pooling of the features upsampled to S×S
 *       (bilinear, corners aligned): {@code p = Σ F̃·M / (Σ M + 1e-5)};</li>
 *   <li>{@code p̂ = cross_att(p, F_q) + p} ({@link FourierFilteredAttentionBlock});</li>
 *   <li>{@code P_fg = σ(10·cos(F_q, p̂) + T_q/2)} at the feature size (T_q: the threshold head on
 *       the query, as the reference's code; its README says the support), upsampled to S×S with
 *       aligned corners.</li>
 * </ol>
 * Output (inference): {@code PROBABILITY} (N, 2, S, S) = [1 − P_fg, P_fg]. In training the
 * alignment branch also runs: the query mask {@code P_fg > 0.5} (no gradient) gives a query
 * prototype, refined against the support features, which segments the support. Training outputs:
 * the query probabilities, the support probabilities (N, 2, S, S), the support mask (N, 1, S, S),
 * a 0/1 flag per episode (0 when the predicted query mask is empty and the branch was skipped,
 * as in the reference), and the refined query and support prototypes (N, C) each.
 */
public final class FafNet extends AbstractBlock implements HeldParameters, WeightNameTable {

    /** Cosine scale of the reference ({@code scaler = 20}, halved by the 0.5 inside σ). */
    static final float COSINE_SCALE = 10f;

    private final FafNetConfig config;
    private final FafNetEncoder encoder;
    private final FourierFilteredAttentionBlock crossAtt;

    /** @param config the configuration */
    public FafNet(FafNetConfig config) {
        this.config = config;
        encoder = addChildBlock("encoder", new FafNetEncoder(config));
        crossAtt = addChildBlock("cross_att", new FourierFilteredAttentionBlock(
                config.featureChannels(), config.heads(), config.featureSide(),
                config.strictReferenceShape()));
    }

    /** The configuration. */
    public FafNetConfig config() {
        return config;
    }

    @Override
    public Set<String> heldUnusedParameters() {
        Set<String> out = new LinkedHashSet<>();
        for (String k : encoder.unusedKeys()) {
            out.add("encoder." + k);
        }
        if (encoder.resnet() != null) {
            // layer4 is computed by the reference but never used; it is not computed here.
            for (String key : StateDicts.parameters(encoder.resnet()).keySet()) {
                if (key.startsWith("layer4.")) {
                    out.add("encoder.backbone." + key);
                }
            }
        }
        return out;
    }

    /**
     * The keys of a weight file under this network's keys, as the reference's encoder loads
     * pretrained weights (every file key that exists in the encoder is copied): a FAF-Net state
     * dict ({@code encoder.*}, {@code cross_att.*}) as is; a DeepLabV3 file's {@code backbone.*}
     * under {@code encoder.} (its {@code classifier.*} and {@code aux_classifier.*} dropped);
     * a torchvision ResNet file's {@code conv1.*}, {@code bn1.*}, {@code layer1..4.*},
     * {@code fc.*} under {@code encoder.backbone.}. Other keys are kept as they are, so a strict
     * load names them.
     */
    @Override
    public java.util.Map<String, HostTensor> toNetworkKeys(Checkpoint source)
            throws java.io.IOException {
        java.util.Map<String, HostTensor> out = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, HostTensor> e : source.stateDict().entrySet()) {
            String k = e.getKey();
            if (k.startsWith("classifier.") || k.startsWith("aux_classifier.")) {
                continue;
            }
            if (k.startsWith("backbone.")) {
                k = "encoder." + k;
            } else if (k.matches("(conv1|bn1|layer[1-4]|fc)\\..*")) {
                k = "encoder.backbone." + k;
            }
            out.put(k, e.getValue());
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.head();
        Shape s = x.getShape();
        int side = config.inputSize();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) != side || s.get(3) != side) {
            throw new IllegalArgumentException("FAF-Net takes episodes (N, 3, " + side + ", "
                    + side + "): support, support mask and query slices of side " + side
                    + " (its stride: one window per slice), found " + s);
        }
        long n = s.get(0);
        NDArray support = x.get(new NDIndex(":, 0:1"));
        NDArray mask = x.get(new NDIndex(":, 1:2")).gt(0.5f).toType(DataType.FLOAT32, false);
        NDArray query = x.get(new NDIndex(":, 2:3"));
        NDList enc = encoder.forward(ps, new NDList(cat(new NDList(support, query))),
                training);
        NDArray f = enc.get(0);
        NDArray t = enc.get(1);
        NDList qProbs = new NDList();
        NDList sProbs = new NDList();
        NDList flags = new NDList();
        NDList protoQ = new NDList();
        NDList protoS = new NDList();
        for (long i = 0; i < n; i++) {
            NDArray fs = f.get(new NDIndex("{}:{}", i, i + 1));
            NDArray fq = f.get(new NDIndex("{}:{}", n + i, n + i + 1));
            NDArray ts = t.get(new NDIndex("{}:{}", i, i + 1));
            NDArray tq = t.get(new NDIndex("{}:{}", n + i, n + i + 1));
            NDArray m = mask.get(new NDIndex("{}:{}", i, i + 1));
            NDArray pS = maskedAverage(fs, m);
            NDArray pHatS = crossAtt.forward(ps, new NDList(pS, fq), training).singletonOrThrow()
                    .add(pS);
            NDArray pq = probability(fq, pHatS, tq, side);
            qProbs.add(cat(new NDList(pq.neg().add(1), pq), 1));
            if (!training) {
                continue;
            }
            NDArray mq = pq.stopGradient().gt(0.5f).toType(DataType.FLOAT32, false);
            if (mq.sum().getFloat() == 0f) {
                NDManager mm = x.getManager();
                sProbs.add(mm.zeros(new Shape(1, 2, side, side)));
                flags.add(mm.zeros(new Shape(1)));
                protoQ.add(pHatS.zerosLike());
                protoS.add(pHatS);
                continue;
            }
            NDArray pQ = maskedAverage(fq, mq);
            NDArray pHatQ = crossAtt.forward(ps, new NDList(pQ, fs), training).singletonOrThrow()
                    .add(pQ);
            NDArray psup = probability(fs, pHatQ, ts, side);
            sProbs.add(cat(new NDList(psup.neg().add(1), psup), 1));
            flags.add(x.getManager().ones(new Shape(1)));
            protoQ.add(pHatQ);
            protoS.add(pHatS);
        }
        NDArray prob = cat(qProbs);
        prob.setName("PROBABILITY");
        if (!training) {
            return new NDList(prob);
        }
        return new NDList(prob, cat(sProbs), mask, cat(flags),
                cat(protoQ), cat(protoS));
    }

    /**
     * {@code NDArrays.concat}, except that one array is returned as it is: the engine's concat of
     * a single array duplicates it without its autograd history.
     */
    private static NDArray cat(NDList arrays) {
        return cat(arrays, 0);
    }

    private static NDArray cat(NDList arrays, int axis) {
        return arrays.size() == 1 ? arrays.head() : NDArrays.concat(arrays, axis);
    }

    /**
     * Masked average pooling: features (1, C, h, w) upsampled to the mask's size (bilinear,
     * aligned corners), {@code Σ F̃·M / (Σ M + 1e-5)} → (1, C).
     */
    static NDArray maskedAverage(NDArray features, NDArray mask) {
        Shape ms = mask.getShape();
        NDArray up = Resize.resize(features, (int) ms.get(2), (int) ms.get(3),
                Resize.Mode.BILINEAR, true);
        return up.mul(mask).sum(new int[] {2, 3}).div(mask.sum(new int[] {2, 3}).add(1e-5f));
    }

    /**
     * {@code σ(10·cos(F, p) + T/2)} (1, 1, h, w), upsampled to side × side with aligned corners;
     * the cosine as torch's {@code cosine_similarity} (eps 1e-8 on the norm product).
     */
    static NDArray probability(NDArray features, NDArray prototype, NDArray threshold, int side) {
        NDArray p = prototype.expandDims(2).expandDims(3);
        NDArray dot = features.mul(p).sum(new int[] {1}, true);
        // As torch: x·y / sqrt(max(|x|²·|y|², eps²)); the clamp before the root keeps the
        // gradient finite where a feature vector is exactly zero (a pixel whose ReLU features
        // all vanish), which a root before the clamp turns into 0·inf = NaN.
        NDArray norms = Scalars.maximum(features.square().sum(new int[] {1}, true)
                .mul(p.square().sum(new int[] {1}, true)), 1e-16f).sqrt();
        NDArray cos = dot.div(norms);
        NDArray prob = Activation.sigmoid(
                Scalars.mul(cos, COSINE_SCALE).add(Scalars.mul(threshold, 0.5f)));
        return Resize.resize(prob, side, side, Resize.Mode.BILINEAR, true);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        encoder.initialize(manager, dataType, new Shape(1, 1, config.inputSize(),
                config.inputSize()));
        crossAtt.initialize(manager, dataType, new Shape(1, config.featureChannels()));
        // Encoder convolutions: Kaiming-normal, fan_out, ReLU gain; BN weight 1, bias 0
        // (Res101Encoder._init_weights). cross_att keeps PyTorch's defaults: Kaiming-uniform
        // a = sqrt(5), biases U(±1/sqrt(fan_in)). Drawn from the engine's seeded generator.
        initialise(encoder, manager, true);
        initialise(crossAtt, manager, false);
    }

    private static void initialise(Block block, NDManager manager, boolean kaimingFanOut) {
        java.util.Map<String, Parameter> params = StateDicts.parameters(block);
        for (java.util.Map.Entry<String, Parameter> e : params.entrySet()) {
            String key = e.getKey();
            NDArray a = e.getValue().getArray();
            Shape sh = a.getShape();
            if (key.endsWith("weight") && sh.dimension() >= 2) {
                long receptive = sh.dimension() == 4 ? sh.get(2) * sh.get(3) : 1;
                if (kaimingFanOut && sh.dimension() == 4) {
                    double std = Math.sqrt(2.0 / (sh.get(0) * receptive));
                    HostArrays.copyInto(a, manager.randomNormal(0, (float) std, sh, DataType.FLOAT32)
                            .toFloatArray());
                } else {
                    double bound = 1.0 / Math.sqrt(sh.get(1) * receptive);
                    HostArrays.copyInto(a, manager.randomUniform((float) -bound, (float) bound, sh)
                            .toFloatArray());
                }
            } else if (key.endsWith("bias")) {
                Parameter w = params.get(key.substring(0, key.length() - 4) + "weight");
                Shape ws = w == null ? null : w.getArray().getShape();
                if (ws != null && ws.dimension() >= 2) {
                    long fanIn = ws.get(1) * (ws.dimension() == 4 ? ws.get(2) * ws.get(3) : 1);
                    double bound = 1.0 / Math.sqrt(fanIn);
                    HostArrays.copyInto(a, manager.randomUniform((float) -bound, (float) bound, sh)
                            .toFloatArray());
                }
            }
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), 2, in.get(2), in.get(3))};
    }
}
