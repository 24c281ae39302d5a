package dev.freqmed.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.freqmed.model.diffusionffpe.DiffusionFfpe;
import dev.freqmed.model.diffusionffpe.DiffusionFfpeConfig;
import dev.freqmed.nn.Lora;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One-step translation of one tile at SD-Turbo size (Diffusion-FFPE {@code paper} preset) with
 * random weights: builds and initialises the network, then times {@code repeats} forward passes
 * (a2b: multi-view VAE encoding, UNet at t = 999, one-step update, decoder with skips) of one
 * {@code side}² RGB tile with seeded latent noise, and prints seconds as JSON. The LoRA adapters
 * are merged into their base weights first, as {@code freqmed translate} does
 * (a third argument {@code unmerged} keeps them separate). Run it under
 * {@code /usr/bin/time -v} for the peak resident memory (the weights live in native memory, not
 * in the Java heap).
 *
 * <p>Usage: {@code DiffusionFfpeTileBench [side=512] [repeats=2] [merged|unmerged]}.
 */
public final class DiffusionFfpeTileBench {

    private DiffusionFfpeTileBench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args tile side (a multiple of 64) and number of timed passes
     */
    public static void main(String[] args) throws Exception {
        int side = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        boolean merge = !(args.length > 2 && args[2].equals("unmerged"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("preset", "paper (SD-Turbo size), random weights");
        out.put("tile", side);
        out.put("threads", Runtime.getRuntime().availableProcessors());
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(0);
            long t0 = System.nanoTime();
            DiffusionFfpe net = new DiffusionFfpe(DiffusionFfpeConfig.paper());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, side, side));
            out.put("init_seconds", round((System.nanoTime() - t0) / 1e9));
            out.put("lora_adapters_merged", merge ? Lora.mergeAll(net) : 0);
            double[] times = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = sub.randomUniform(-1f, 1f, new Shape(1, 3, side, side));
                    NDArray noise = sub.randomNormal(new Shape(1, 4, side / 8, side / 8));
                    long t = System.nanoTime();
                    NDArray y = net.forward(new ParameterStore(sub, false),
                            new NDList(x, noise), false).singletonOrThrow();
                    float check = y.abs().mean().getFloat();
                    times[r] = (System.nanoTime() - t) / 1e9;
                    if (!Float.isFinite(check)) {
                        throw new IllegalStateException("non-finite output");
                    }
                    System.err.printf(Locale.ROOT, "pass %d: %.1f s%n", r + 1, times[r]);
                }
            }
            out.put("seconds_per_tile", times);
            double best = Double.MAX_VALUE;
            for (double t : times) {
                best = Math.min(best, t);
            }
            out.put("best_seconds_per_tile", round(best));
        }
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(out));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
