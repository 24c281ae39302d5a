package dev.freqmed.bench;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.freqmed.data.FloatImage;
import dev.freqmed.data.Sample;
import dev.freqmed.engine.ConvRouter;
import dev.freqmed.engine.ConvRouting;
import dev.freqmed.engine.CpuInfo;
import dev.freqmed.engine.HostMemory;
import dev.freqmed.io.StateDicts;
import dev.freqmed.model.ModelRegistry;
import dev.freqmed.model.fafnet.FafNetConfig;
import dev.freqmed.model.fafnet.FafNetTask;
import dev.freqmed.model.fafnet.FewShotProtocol;
import dev.freqmed.train.SgdOptimizer;
import dev.freqmed.train.StepContext;
import dev.freqmed.train.TrainStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Time of FAF-Net's paper network (dilated ResNet-101, C = 512, 4 heads, 257² slices, the
 * reference's 65×65 Fourier filter) on this machine, with random weights (the speed does not
 * depend on them):
 *
 * <ul>
 *   <li>one training episode: exactly the step the trainer runs ({@code EpisodicStep}: support
 *       and query through the encoder as a batch of 2, the query prediction, the alignment
 *       branch, the three losses, backward and one SGD update with momentum 0.9 and weight
 *       decay 5e-4, as the reference's {@code train.py});</li>
 *   <li>one query volume: the evaluation protocol's prediction of {@code SLICES} query slices
 *       of 257², one slice per forward pass as the reference's {@code evaluate.py} does (each
 *       slice with its support slice and mask), in inference mode.</li>
 * </ul>
 *
 * <p>The episode is synthetic: Gaussian-noise slices (z-scored values) and a disc of radius
 * S/4 as the support mask and the query label. The alignment branch is skipped when the
 * predicted query mask is empty; {@code alignment_branch_ran} says, from one more (untimed)
 * training-mode forward pass of each timed episode after the timing, whether it ran. One untimed
 * episode and one untimed slice come first.
 *
 * <p>Usage: {@code FafNetTiming [EPISODES=3] [SLICES=30]}; prints JSON.
 */
public final class FafNetTiming {

    private FafNetTiming() {
    }

    /**
     * Runs the timing.
     *
     * @param args episodes to time, then query slices per volume
     * @throws Exception when the engine cannot start
     */
    public static void main(String[] args) throws Exception {
        int episodes = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int slices = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        if (episodes < 1 || slices < 1) {
            throw new IllegalArgumentException("EPISODES and SLICES must be >= 1, found "
                    + episodes + " and " + slices);
        }
        // The engine first: a forced convolution path loads no engine on its own.
        ai.djl.engine.Engine.getEngine("PyTorch");
        ConvRouting routing = ConvRouter.routing();
        FafNetConfig cfg = FafNetConfig.paper();
        int side = cfg.inputSize();
        ModelRegistry.Entry<?> entry = ModelRegistry.get("fafnet");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("network", "FAF-Net paper preset (ResNet-101, C 512, 4 heads, " + side + "x"
                + side + "), random weights");
        json.put("cpu", CpuInfo.read().modelName() + " (" + CpuInfo.read().vectorIsa() + ")");
        json.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        json.put("intra_op_threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
        json.put("conv_routing", routing.summary());
        ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(1);
        Random rng = new Random(1);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ModelRegistry.get("fafnet").buildNetwork(cfg);
            FafNetTask task = (FafNetTask) entry.buildTask(cfg);
            net.initialize(manager, DataType.FLOAT32, task.inputShape());
            Map<String, Parameter> trainable = new LinkedHashMap<>();
            long count = 0;
            for (Map.Entry<String, Parameter> e : StateDicts.parameters(net).entrySet()) {
                count += e.getValue().getArray().size();
                if (e.getValue().requiresGradient()) {
                    e.getValue().getArray().setRequiresGradient(true);
                    trainable.put(e.getKey(), e.getValue());
                }
            }
            json.put("parameters", count);

            SgdOptimizer sgd = new SgdOptimizer(manager.newSubManager(), 0.9, 5e-4);
            StepContext ctx = StepContext.standalone(net, task, manager, sgd, trainable, 1e-3);
            TrainStep step = task.trainStep();
            List<Double> times = new ArrayList<>();
            List<Float> losses = new ArrayList<>();
            List<Sample> timed = new ArrayList<>();
            for (int i = 0; i <= episodes; i++) {
                Sample episode = episode(rng, side);
                long t0 = System.nanoTime();
                float loss = step.run(ctx, List.of(episode));
                double s = (System.nanoTime() - t0) / 1e9;
                if (i > 0) {
                    times.add(s);
                    losses.add(loss);
                    timed.add(episode);
                }
            }
            json.put("episode_seconds", times);
            json.put("episode_seconds_mean", mean(times));
            json.put("episode_losses", losses);
            List<Boolean> ran = new ArrayList<>();
            ParameterStore ps = new ParameterStore(manager, false);
            for (Sample episode : timed) {
                try (NDManager sub = manager.newSubManager()) {
                    NDList out = net.forward(ps, task.inputs(sub, List.of(episode)), true);
                    ran.add(out.get(3).getFloat(0) > 0.5f);
                }
            }
            json.put("alignment_branch_ran", ran);

            List<float[]> sup = new ArrayList<>();
            List<float[]> masks = new ArrayList<>();
            List<float[]> queries = new ArrayList<>();
            for (int z = 0; z < slices; z++) {
                FloatImage img = episode(rng, side).get(Sample.IMAGE);
                int plane = side * side;
                sup.add(java.util.Arrays.copyOfRange(img.data(), 0, plane));
                masks.add(java.util.Arrays.copyOfRange(img.data(), plane, 2 * plane));
                queries.add(java.util.Arrays.copyOfRange(img.data(), 2 * plane, 3 * plane));
            }
            FewShotProtocol.predict(net, manager, side, sup.subList(0, 1), masks.subList(0, 1),
                    queries.subList(0, 1), 1);
            long t0 = System.nanoTime();
            List<float[]> probs = FewShotProtocol.predict(net, manager, side, sup, masks,
                    queries, 1);
            double volume = (System.nanoTime() - t0) / 1e9;
            long fg = 0;
            for (float[] p : probs) {
                for (float v : p) {
                    fg += v > 0.5f ? 1 : 0;
                }
            }
            json.put("query_volume_slices", slices);
            json.put("query_volume_seconds", volume);
            json.put("query_slice_seconds", volume / slices);
            json.put("query_foreground_fraction", fg / (double) ((long) slices * side * side));
        }
        json.put("peak_rss_mib", HostMemory.peakRssMib());
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(json));
    }

    /** A packed episode: noise support, disc mask, noise query; the query label the disc. */
    private static Sample episode(Random rng, int side) {
        int plane = side * side;
        float[] img = new float[3 * plane];
        float[] mask = new float[plane];
        double c = (side - 1) / 2.0;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int i = y * side + x;
                boolean in = (y - c) * (y - c) + (x - c) * (x - c) < side * side / 16.0;
                img[i] = (float) rng.nextGaussian();
                img[plane + i] = in ? 1 : 0;
                img[2 * plane + i] = (float) rng.nextGaussian();
                mask[i] = in ? 1 : 0;
            }
        }
        return new Sample("bench", Map.of(Sample.IMAGE, new FloatImage(3, side, side, img),
                Sample.MASK, new FloatImage(1, side, side, mask)));
    }

    private static double mean(List<Double> v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.size();
    }
}
