package dev.freqmed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.Safetensors;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.io.weights.KerasLayouts;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.io.weights.WeightInspector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code freqmed weights}: look into and convert weight files without running any code. */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = "Inspect and convert weight files (.pth/.pt/.bin/.ckpt, .safetensors,"
                + " Keras .h5).",
        subcommands = {WeightsCommand.Inspect.class, WeightsCommand.Convert.class})
final class WeightsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** {@code freqmed weights inspect FILE [--json] [--no-stats]}. */
    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "List every tensor (name, dtype, shape, sum, sum of squares) and the"
                    + " non-tensor entries of a checkpoint (epoch, hyper-parameters).")
    static final class Inspect implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", description = "The weight file.")
        Path file;

        @Option(names = "--allow-unknown-objects",
                description = "Keep Python objects of unknown classes as inert data instead of"
                        + " refusing the file (nothing is executed either way).")
        boolean allowUnknown;

        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Option(names = "--no-stats", description = "Skip the sums (reads no tensor data).")
        boolean noStats;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Checkpoint c = WeightFiles.read(file, allowUnknown);
            Map<String, Object> d = WeightInspector.describe(c, !noStats);
            if (json) {
                out.println(JSON.writeValueAsString(d));
                out.flush();
                return 0;
            }
            out.printf(Locale.ROOT, "%s: %s, %s tensors, %s elements%n", file, c.format(),
                    d.get("tensor_count"), d.get("element_count"));
            if (!c.weightsPath().isEmpty() || !c.strippedPrefix().isEmpty()) {
                out.printf(Locale.ROOT, "weights under '%s', key prefix '%s'%n", c.weightsPath(),
                        c.strippedPrefix());
            }
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> tensors = (List<Map<String, Object>>) d.get("tensors");
            int w = 4;
            for (Map<String, Object> t : tensors) {
                w = Math.max(w, t.get("name").toString().length());
            }
            String fmt = "%-" + w + "s  %-9s  %-20s";
            out.printf(Locale.ROOT, fmt + (noStats ? "%n" : "  %15s  %15s%n"), "name", "dtype",
                    "shape", "sum", "sumsq");
            for (Map<String, Object> t : tensors) {
                String shape = Arrays.toString((long[]) t.get("shape"));
                if (noStats) {
                    out.printf(Locale.ROOT, fmt + "%n", t.get("name"), t.get("dtype"), shape);
                } else {
                    out.printf(Locale.ROOT, fmt + "  %15s  %15s%n", t.get("name"), t.get("dtype"),
                            shape, num(t.get("sum")), num(t.get("sumsq")));
                }
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> info = (Map<String, Object>) d.get("info");
            if (!info.isEmpty()) {
                out.println("info:");
                for (Map.Entry<String, Object> e : info.entrySet()) {
                    out.printf(Locale.ROOT, "  %s: %s%n", e.getKey(),
                            new ObjectMapper().writeValueAsString(e.getValue()));
                }
            }
            if (!c.metadata().isEmpty()) {
                out.println("metadata:");
                c.metadata().forEach((k, v) -> out.printf(Locale.ROOT, "  %s: %s%n", k,
                        v.length() > 200 ? v.substring(0, 200) + "..." : v));
            }
            out.flush();
            return 0;
        }

        private static String num(Object o) {
            return o instanceof Double d ? String.format(Locale.ROOT, "%.8g", d)
                    : String.valueOf(o);
        }
    }

    /** {@code freqmed weights convert FILE --to OUT.safetensors}. */
    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Write the weights of a file as safetensors: the state dict of a"
                    + " checkpoint (unwrapped, 'module.'/'model.' prefixes removed), Keras kernels"
                    + " in PyTorch layout; non-tensor entries go to the metadata as JSON.")
    static final class Convert implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", description = "The weight file.")
        Path file;

        @Option(names = "--to", required = true, description = "Output .safetensors file.")
        Path to;

        @Option(names = "--allow-unknown-objects",
                description = "Keep Python objects of unknown classes as inert data instead of"
                        + " refusing the file (nothing is executed either way).")
        boolean allowUnknown;

        @Option(names = "--raw",
                description = "Keep every tensor under its full path, unconverted.")
        boolean raw;

        @Override
        public Integer call() throws Exception {
            if (!to.getFileName().toString().endsWith(".safetensors")) {
                throw new IllegalArgumentException(to + ": output must end in .safetensors");
            }
            if (to.toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException(to + ": output would overwrite the input");
            }
            Checkpoint c = WeightFiles.read(file, allowUnknown);
            Map<String, HostTensor> tensors;
            if (raw) {
                tensors = c.tensors();
            } else if (c.format().equals("keras-h5")) {
                tensors = KerasLayouts.toTorch(c);
            } else {
                tensors = c.stateDict();
            }
            Map<String, String> meta = new LinkedHashMap<>();
            if (c.format().equals("safetensors")) {
                meta.putAll(c.metadata());
            }
            meta.put("source", file.getFileName().toString());
            meta.put("source_format", c.format());
            if (!c.info().isEmpty()) {
                meta.put("info", JSON.writeValueAsString(WeightInspector.describe(c, false)
                        .get("info")));
            }
            Safetensors.write(to, tensors, meta);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "%s: %d tensors written%n", to, tensors.size());
            out.flush();
            return 0;
        }
    }
}
