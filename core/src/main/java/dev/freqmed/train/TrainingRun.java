package dev.freqmed.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freqmed.config.Configs;
import dev.freqmed.data.Sample;
import dev.freqmed.data.SampleSource;
import dev.freqmed.data.transform.Transform;
import dev.freqmed.infer.ObjectClasses;
import dev.freqmed.io.AtomicFiles;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.LoadOptions;
import dev.freqmed.io.LoadReport;
import dev.freqmed.io.Manifest;
import dev.freqmed.io.ModelCheckpoint;
import dev.freqmed.io.StateDicts;
import dev.freqmed.io.weights.WeightFiles;
import dev.freqmed.io.weights.WeightImporter;
import dev.freqmed.metric.Direction;
import dev.freqmed.model.ModelRegistry;
import dev.freqmed.model.TaskAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One training run: builds the network from a {@link TrainConfig}, trains it with validation
 * every epoch, keeps the best checkpoint by the configured metric, stops early if configured, and
 * can resume exactly from the last complete checkpoint.
 *
 * <p>Run folder layout: {@code config.yaml}, {@code log.csv}, {@code curves.png},
 * {@code types.json} (when the data root has one), {@code model/}
 * (the best checkpoint, what {@code predict} reads) and {@code checkpoint/} (the last epoch with
 * optimizer and schedule state, what {@code --resume} reads).
 *
 * <p>Determinism: initialisation is seeded; the data order of epoch {@code e} and the
 * augmentation of each sample depend only on (seed, e, position); the engine's random state
 * (dropout) is reseeded before every step from (seed, step). A resumed run therefore continues
 * exactly as the uninterrupted run would have.
 */
public final class TrainingRun {

    /** Folder of the best checkpoint inside a run folder. */
    public static final String MODEL_DIR = "model";

    /** With {@code train.average}: the last epoch's own weights, beside the averaged {@code model/}. */
    public static final String MODEL_LAST_DIR = "model-last";

    /** Folder of the last resumable checkpoint inside a run folder. */
    public static final String CHECKPOINT_DIR = "checkpoint";
    private static final String OPT_PREFIX = "optimizer/";
    /** Prefix of the training step's own state (a second optimiser) in a checkpoint. */
    private static final String STEP_PREFIX = "step/";
    /** Prefix of the running mean of the weights ({@code train.average}) in a checkpoint. */
    private static final String AVERAGE_PREFIX = "average/";

    /**
     * What a run produced.
     *
     * @param epochsRun     epochs completed in total (including before a resume)
     * @param bestEpoch     epoch of the best checkpoint
     * @param bestValue     value of the monitored metric there
     * @param history       per-epoch metrics
     * @param modelDir      the best checkpoint folder
     * @param stoppedEarly  whether early stopping ended the run
     */
    public record Result(int epochsRun, int bestEpoch, double bestValue, List<Map<String, Double>> history,
            Path modelDir, boolean stoppedEarly, int modelEpoch) {
    }

    /** Resumable state kept in the checkpoint manifest. */
    record State(int epoch, long step, long optimizerSteps, double bestValue, int bestEpoch, int badEpochs,
            PlateauScheduler.State plateau, List<Map<String, Double>> history, int averageFrom) {
    }

    private final TrainConfig config;
    private final Device device;
    private final ProgressListener listener;
    /** Test seam: sees the number of live engine arrays after every step. */
    private java.util.function.LongConsumer liveArrayProbe;
    private volatile boolean stopRequested;
    /** Test seam: replaces the loss of a step (to inject a NaN). */
    private java.util.function.BiFunction<Long, NDArray, NDArray> lossOverride;

    /**
     * @param config   the run's configuration
     * @param device   where to train
     * @param listener progress receiver
     */
    public TrainingRun(TrainConfig config, Device device, ProgressListener listener) {
        this.config = config;
        this.device = device;
        this.listener = listener == null ? ProgressListener.NONE : listener;
    }

    /**
     * Asks a running {@link #run} to stop before its next step; safe from any thread (the
     * command line calls it from its Ctrl-C handler). The step under way finishes, nothing is
     * freed under it, and the checkpoint of the last complete epoch stays resumable.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** Thrown by {@link #run} when {@link #requestStop} ended it; the message says what is kept. */
    public static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped(String message) {
            super(message);
        }
    }

    /** The stop before {@code step} of {@code epoch}: the checkpoint holds the epoch before. */
    private static Stopped stopped(long step, int epoch, Path ckptDir) {
        return new Stopped("training stopped on request before step " + step + " (epoch " + epoch + "); "
                + (epoch > 1 ? ckptDir + " holds epoch " + (epoch - 1) + ": continue with --resume"
                        : "no epoch was complete, nothing to resume"));
    }

    /** Receives the number of live engine arrays after every step (memory checks). */
    void setLiveArrayProbe(java.util.function.LongConsumer probe) {
        this.liveArrayProbe = probe;
    }

    /** Replaces the loss of step {@code s} by {@code f(s, loss)} (failure injection). */
    void setLossOverride(java.util.function.BiFunction<Long, NDArray, NDArray> f) {
        this.lossOverride = f;
    }

    /**
     * Trains, on {@code train.threads} engine threads when that is set (the previous count is
     * restored afterwards).
     *
     * @param resume continue from {@code OUTPUT/checkpoint}
     * @throws IOException              for unreadable data or unwritable output, naming the file
     * @throws IllegalStateException    when the loss becomes NaN or infinite (the last good
     *                                  checkpoint is kept; the message names the step)
     */
    public Result run(boolean resume) throws IOException {
        int threads = config.train().threads();
        if (threads <= 0 || device.isGpu()) {
            return train(resume);
        }
        Engine.getEngine("PyTorch"); // loads the native library the thread calls go to
        int before = JniUtils.getNumThreads();
        JniUtils.setNumThreads(threads);
        try {
            return train(resume);
        } finally {
            JniUtils.setNumThreads(before);
        }
    }

    private Result train(boolean resume) throws IOException {
        TrainConfig.TrainSettings ts = config.train();
        Path out = config.output();
        Path ckptDir = out.resolve(CHECKPOINT_DIR);
        if (resume && !Files.isDirectory(ckptDir)) {
            throw new IOException(ckptDir + ": nothing to resume (no checkpoint folder)");
        }
        Files.createDirectories(out);
        AtomicFiles.writeString(out.resolve("config.yaml"), Configs.toYaml(config.toMap()));

        ModelRegistry.Entry<?> entry = ModelRegistry.get(config.arch());
        TaskAdapter task = entry.buildTask(config.model());
        Path root = config.dataRoot();
        // The data's class names and colours travel with the run, where predict finds them.
        Path classes = root.resolve(ObjectClasses.FILE);
        if (Files.isRegularFile(classes)) {
            AtomicFiles.writeString(out.resolve(ObjectClasses.FILE), Files.readString(classes));
        }
        SampleSource train = task.openData(root, config.data().trainSplit());
        SampleSource val = task.openData(root, config.data().valSplit());

        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed((int) ts.seed());
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Block net = entry.buildNetwork(config.model());
            net.initialize(manager, DataType.FLOAT32, task.inputShape());
            Map<String, Parameter> params = StateDicts.parameters(net);
            ParameterGroups groups = new ParameterGroups(params.keySet(), ts.groups(),
                    ts.learningRate(), ts.weightDecay());
            TrainStep trainStep = task.trainStep();
            Map<String, Parameter> trainable = new LinkedHashMap<>(groups.trainable(params));
            trainable.keySet().removeIf(trainStep::ownsParameter);
            for (Parameter p : trainable.values()) {
                p.getArray().setRequiresGradient(true);
            }
            Object initRecord = null;
            if (!config.init().isEmpty() && !resume) {
                List<Map<String, Object>> records = new ArrayList<>();
                for (TrainConfig.InitSettings file : config.init()) {
                    records.add(initialise(net, config, file, listener));
                }
                // One file: its record (as before several were allowed); several: the list.
                initRecord = records.size() == 1 ? records.get(0) : records;
            }
            NDManager optManager = manager.newSubManager();
            TrainOptimizer opt = Optimizers.create(ts, optManager);
            Direction monitorDirection = ts.monitorDirection();
            PlateauScheduler plateau = new PlateauScheduler(ts.learningRate(), ts.plateauFactor(), ts.plateauPatience(),
                    ts.plateauMinDelta(), ts.minLearningRate(), ts.plateauDirection() == Direction.MAXIMIZE);
            State state = new State(0, 0, 0, monitorDirection.worst(), 0, 0, plateau.state(), new ArrayList<>(),
                    0);
            WeightAverage average = new WeightAverage();
            if (resume) {
                Map<String, HostTensor> averaged = new LinkedHashMap<>();
                state = restore(ckptDir, net, opt, optManager, plateau, entry.name(), trainStep, averaged);
                checkScheduleFollows(ckptDir, ts, state);
                average = resumedAverage(ckptDir, ts, state, averaged);
                listener.message("resumed from " + ckptDir + " after epoch " + state.epoch()
                        + (state.epoch() >= ts.epochs()
                                ? "; it holds all " + ts.epochs() + " epochs, so there is nothing to train"
                                        + " (--epochs N trains it longer)"
                                : ""));
            }
            Manifest baseManifest = Manifest.of(entry.name(), Configs.toMap(config.model()))
                    .withInput(new int[] {(int) task.inputShape().get(1), (int) task.inputShape().get(2),
                        (int) task.inputShape().get(3)}, task.normalization())
                    .withTrainingData(root.toAbsolutePath().normalize().getFileName() + " (" + train.size()
                            + " train / " + val.size() + " val images)");
            Map<String, Object> drawn = new java.util.LinkedHashMap<>();
            drawn.put("seed", ts.seed());
            drawn.put("convention", task.initialisation());
            baseManifest = baseManifest.withExtra("initialisation", drawn);
            if (initRecord != null) {
                baseManifest = baseManifest.withExtra("init", initRecord);
            }
            Transform augmentation = config.data().augmentation().toTransform();
            int workers = config.data().workers();
            boolean stoppedEarly = false;
            try (BatchLoader trainLoader = new BatchLoader(train, task, workers, ts.batchSize() * 3);
                    BatchLoader valLoader = new BatchLoader(val, task, workers, ts.batchSize() * 3)) {
                List<Map<String, Double>> history = new ArrayList<>(state.history());
                long step = state.step();
                double bestValue = state.bestValue();
                int bestEpoch = state.bestEpoch();
                int badEpochs = state.badEpochs();
                for (int epoch = state.epoch() + 1; epoch <= ts.epochs(); epoch++) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new IllegalStateException("training interrupted before epoch " + epoch);
                    }
                    if (stopRequested) {
                        throw stopped(step + 1, epoch, ckptDir);
                    }
                    long t0 = System.nanoTime();
                    int steps = (train.size() + ts.batchSize() - 1) / ts.batchSize();
                    listener.epochStarted(epoch, ts.epochs(), steps);
                    double lossSum = 0;
                    int seen = 0;
                    int s = 0;
                    ParameterStore ps = new ParameterStore(manager, false);
                    for (List<Sample> batch : trainLoader.batches(
                            BatchLoader.order(train.size(), ts.seed(), epoch, true), ts.batchSize(), augmentation,
                            ts.seed(), epoch)) {
                        if (Thread.currentThread().isInterrupted()) {
                            throw new IllegalStateException("training interrupted at step " + step);
                        }
                        if (stopRequested) {
                            throw stopped(step + 1, epoch, ckptDir);
                        }
                        long ts0 = System.nanoTime();
                        step++;
                        s++;
                        engine.setRandomSeed((int) BatchLoader.mix(ts.seed(), step, 7));
                        double lr = Schedules.lr(ts, epoch, plateau.lr());
                        StepContext ctx = new StepContext(net, task, manager, ps, opt, trainable, groups, lr,
                                ts.gradientClamp(), lossOverride, step, epoch, s,
                                state.epoch() > 0 || epoch > 1 ? ckptDir + " (epoch " + (epoch - 1) + ")" : "none");
                        float lossValue = trainStep.run(ctx, batch);
                        if (liveArrayProbe != null) {
                            liveArrayProbe.accept(manager.getManagedArrays().size());
                        }
                        lossSum += lossValue * batch.size();
                        seen += batch.size();
                        double ips = batch.size() / ((System.nanoTime() - ts0) / 1e9);
                        listener.step(epoch, s, steps, lossValue, ips);
                    }
                    listener.validating(epoch);
                    Map<String, Double> row = new LinkedHashMap<>();
                    row.put("epoch", (double) epoch);
                    row.put("train_loss", lossSum / seen);
                    row.putAll(validate(net, task, valLoader, val.size(), ts.batchSize(), manager));
                    row.put("lr", Schedules.lr(ts, epoch, plateau.lr()));
                    row.put("seconds", (System.nanoTime() - t0) / 1e9);
                    Double monitored = row.get(ts.monitor());
                    if (monitored == null) {
                        throw new IllegalArgumentException(config.source() + ": train.monitor '" + ts.monitor()
                                + "' is not a tracked metric; tracked: " + String.join(", ", row.keySet()));
                    }
                    boolean best = monitorDirection.isBetter(monitored, bestValue);
                    boolean keepLast = "last".equals(ts.keep());
                    // One host copy of the epoch's weights serves the model, the mean and the checkpoint.
                    Map<String, HostTensor> weights = StateDicts.hostTensors(net);
                    if (ts.average() > 0 && epoch >= ts.firstAveragedEpoch()) {
                        average.add(weights);
                        String window = ts.firstAveragedEpoch() + "-" + epoch;
                        Manifest epochManifest = baseManifest.withMetrics(row).withExtra("epoch", epoch);
                        ModelCheckpoint.save(out.resolve(MODEL_DIR), average.tensors(), epochManifest
                                .withExtra("weights", "mean of the weights at the ends of epochs " + window
                                        + " (train.average; the metrics are those of epoch " + epoch
                                        + "'s own weights)"));
                        ModelCheckpoint.save(out.resolve(MODEL_LAST_DIR), weights, epochManifest
                                .withExtra("weights", "the weights at the end of epoch " + epoch
                                        + " (model/ holds the mean of epochs " + window + ")"));
                    } else if (best || keepLast) {
                        ModelCheckpoint.save(out.resolve(MODEL_DIR), weights, baseManifest.withMetrics(row)
                                .withExtra("epoch", epoch));
                    }
                    if (best) {
                        bestValue = monitored;
                        bestEpoch = epoch;
                        badEpochs = 0;
                    } else if (!lossStillFalls(history, row)) {
                        badEpochs++;
                    }
                    Double pm = row.get(ts.plateauMonitor());
                    if (pm == null) {
                        throw new IllegalArgumentException(config.source() + ": train.plateauMonitor '"
                                + ts.plateauMonitor() + "' is not a tracked metric; tracked: "
                                + String.join(", ", row.keySet()));
                    }
                    double before = plateau.lr();
                    if (Schedules.usesPlateau(ts.schedule())) {
                        plateau.observe(pm);
                    }
                    if (plateau.lr() < before) {
                        listener.message(String.format(Locale.ROOT, "learning rate reduced to %.3g", plateau.lr()));
                    }
                    history.add(row);
                    State now = new State(epoch, step, opt.step(), bestValue, bestEpoch, badEpochs, plateau.state(),
                            history, average.count() > 0 ? ts.firstAveragedEpoch() : 0);
                    saveCheckpoint(ckptDir, weights, opt, trainStep, average, baseManifest.withMetrics(row), now);
                    writeLog(out, history);
                    listener.epochFinished(epoch, row, best);
                    if (ts.earlyStopping() > 0 && badEpochs >= ts.earlyStopping()) {
                        listener.message("early stopping: " + ts.monitor() + " did not improve for " + badEpochs
                                + " epochs (best " + String.format(Locale.ROOT, "%.4f", bestValue) + " at epoch "
                                + bestEpoch + ")");
                        stoppedEarly = true;
                        break;
                    }
                }
                return new Result(history.isEmpty() ? 0 : history.get(history.size() - 1).get("epoch").intValue(),
                        bestEpoch, bestValue, history, out.resolve(MODEL_DIR), stoppedEarly,
                        "last".equals(ts.keep()) && !history.isEmpty()
                                ? history.get(history.size() - 1).get("epoch").intValue() : bestEpoch);
            }
        }
    }

    /**
     * Whether this epoch's validation loss is the lowest so far. Early stopping does not count
     * such an epoch against the monitor: a network can sit at Dice 0 (no pixel above 0.5) for
     * several epochs while its validation loss falls, and must not be stopped there.
     */
    static boolean lossStillFalls(List<Map<String, Double>> history, Map<String, Double> row) {
        Double loss = row.get("val_loss");
        if (loss == null || !Double.isFinite(loss)) {
            return false;
        }
        double bestBefore = Double.POSITIVE_INFINITY;
        for (Map<String, Double> h : history) {
            Double l = h.get("val_loss");
            if (l != null) {
                bestBefore = Math.min(bestBefore, l);
            }
        }
        return loss < bestBefore;
    }

    private Map<String, Double> validate(Block net, TaskAdapter task, BatchLoader loader, int size, int batchSize,
            NDManager manager) {
        TaskAdapter.Validation v = task.newValidation();
        double lossSum = 0;
        int seen = 0;
        ParameterStore ps = new ParameterStore(manager, false);
        for (List<Sample> batch : loader.batches(BatchLoader.order(size, 0, 0, false), batchSize, null, 0, 0)) {
            try (NDManager sub = manager.newSubManager()) {
                NDList inputs = task.inputs(sub, batch);
                NDList labels = task.labels(sub, batch);
                NDList outputs = net.forward(ps, inputs, false);
                lossSum += task.loss(outputs, labels).getFloat() * batch.size();
                seen += batch.size();
                v.update(outputs, labels);
            }
        }
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("val_loss", lossSum / seen);
        v.result().forEach((k, x) -> r.put("val_" + k, x));
        return r;
    }

    /** Clamps every gradient element-wise to [−c, c] in place (reference FSANet clip_gradient). */
    /**
     * Loads one {@code model.init} file into the network by key, reports the mismatch table
     * through the listener and returns what the manifest records: the file, its SHA-256 and the
     * key counts.
     */
    private static Map<String, Object> initialise(Block net, TrainConfig config,
            TrainConfig.InitSettings init, ProgressListener listener) throws IOException {
        Path file = config.initFile(init);
        LoadOptions options = LoadOptions.strictDefaults();
        for (String g : init.allowMissing()) {
            options = options.withAllowMissing(g);
        }
        for (String g : init.ignoreUnexpected()) {
            options = options.withIgnoreUnexpected(g);
        }
        if (!init.prefix().isEmpty()) {
            String prefix = init.prefix();
            options = options.withRename(k -> prefix + k);
        }
        LoadReport r;
        try {
            r = WeightImporter.load(net, WeightFiles.read(file), options);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": model.init does not fit the " + config.arch()
                    + " network:\n" + e.getMessage(), e);
        }
        listener.message(String.format(Locale.ROOT, "model.init: %d tensors loaded from %s, %d"
                + " missing (allowed), %d unexpected (ignored)", r.loaded().size(), file,
                r.missing().size(), r.unexpected().size()));
        if (!r.missing().isEmpty() || !r.unexpected().isEmpty()) {
            listener.message(r.table());
        }
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("file", file.toAbsolutePath().normalize().toString());
        if (!init.prefix().isEmpty()) {
            rec.put("prefix", init.prefix());
        }
        rec.put("sha256", sha256(file));
        rec.put("loaded", r.loaded().size());
        rec.put("missing", r.missing());
        rec.put("unexpected", r.unexpected());
        return rec;
    }

    static String sha256(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void clampGradients(Map<String, Parameter> params, double c) {
        for (Parameter p : params.values()) {
            NDArray w = p.getArray();
            if (!p.requiresGradient() || !w.hasGradient()) {
                continue;
            }
            try (NDManager scope = w.getManager().newSubManager(w.getDevice())) {
                NDArray g = w.getGradient(); // a new handle on the gradient, freed with the scope
                g.attach(scope);
                NDArray clipped = g.clip(-c, c);
                g.subi(g).addi(clipped);
            }
        }
    }

    private static void saveCheckpoint(Path dir, Map<String, HostTensor> weights, TrainOptimizer opt,
            TrainStep trainStep, WeightAverage average, Manifest manifest, State state) throws IOException {
        Map<String, Object> tensors = new LinkedHashMap<>(weights);
        for (Map.Entry<String, NDArray> e : opt.stateArrays().entrySet()) {
            tensors.put(OPT_PREFIX + e.getKey(), HostTensor.fromNDArray(e.getValue()));
        }
        for (Map.Entry<String, NDArray> e : trainStep.stateArrays().entrySet()) {
            tensors.put(STEP_PREFIX + e.getKey(), HostTensor.fromNDArray(e.getValue()));
        }
        for (Map.Entry<String, HostTensor> e : average.tensors().entrySet()) {
            tensors.put(AVERAGE_PREFIX + e.getKey(), e.getValue());
        }
        ModelCheckpoint.save(dir, tensors, manifest.withExtra("train_state", Configs.toMap(state)));
    }

    private State restore(Path dir, Block net, TrainOptimizer opt, NDManager optManager, PlateauScheduler plateau,
            String arch, TrainStep trainStep, Map<String, HostTensor> averaged) throws IOException {
        Manifest m = ModelCheckpoint.readManifest(dir);
        if (!arch.equals(m.architecture())) {
            throw new IOException(dir + ": checkpoint is of architecture '" + m.architecture() + "', the config says '"
                    + arch + "'");
        }
        Object st = m.extra().get("train_state");
        if (st == null) {
            throw new IOException(dir + ": checkpoint has no training state; it cannot be resumed");
        }
        if (st instanceof Map<?, ?> fields && !fields.containsKey("averageFrom")) {
            // A checkpoint written before train.average existed averaged nothing.
            Map<Object, Object> withDefault = new LinkedHashMap<>(fields);
            withDefault.put("averageFrom", 0);
            st = withDefault;
        }
        State state = Configs.convert(st, State.class, dir + "/" + ModelCheckpoint.MANIFEST);
        Map<String, HostTensor> all = ModelCheckpoint.readWeights(dir);
        Map<String, HostTensor> model = new LinkedHashMap<>();
        Map<String, NDArray> optState = new LinkedHashMap<>();
        Map<String, NDArray> stepState = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : all.entrySet()) {
            if (e.getKey().startsWith(AVERAGE_PREFIX)) {
                averaged.put(e.getKey().substring(AVERAGE_PREFIX.length()), e.getValue());
            } else if (e.getKey().startsWith(STEP_PREFIX)) {
                stepState.put(e.getKey().substring(STEP_PREFIX.length()), e.getValue().toNDArray(optManager));
            } else if (e.getKey().startsWith(OPT_PREFIX)) {
                optState.put(e.getKey().substring(OPT_PREFIX.length()), e.getValue().toNDArray(optManager));
            } else {
                model.put(e.getKey(), e.getValue());
            }
        }
        StateDicts.load(net, model, LoadOptions.strictDefaults());
        opt.restore(optState, state.optimizerSteps());
        trainStep.restoreState(optManager, stepState);
        for (NDArray a : optState.values()) {
            a.close();
        }
        for (NDArray a : stepState.values()) {
            a.close();
        }
        plateau.restore(state.plateau());
        return state;
    }

    /**
     * Refuses a resume under which the epochs already trained would have had other learning rates
     * than they had: a cosine or poly schedule given another {@code train.epochs} (such a schedule
     * cannot be extended), or a changed learning rate, schedule or warm-up. The step schedule does
     * not depend on the number of epochs, so a finished step run resumed with a larger
     * {@code train.epochs} trains on as one run of that length would. Reduce-on-plateau rates come
     * from the restored tracker and are not recomputed.
     */
    private static void checkScheduleFollows(Path dir, TrainConfig.TrainSettings ts, State state)
            throws IOException {
        if (Schedules.usesPlateau(ts.schedule())) {
            return;
        }
        for (Map<String, Double> row : state.history()) {
            Double had = row.get("lr");
            Double epoch = row.get("epoch");
            if (had == null || epoch == null) {
                continue;
            }
            double now = Schedules.lr(ts, epoch.intValue(), had);
            if (Math.abs(now - had) > 1e-9 * Math.abs(had)) {
                throw new IOException(String.format(Locale.ROOT, "%s: epoch %d trained at learning rate %.6g, but"
                        + " the config's schedule (train.schedule %s over %d epochs) gives %.6g there; resume with"
                        + " the learning rate, schedule and warm-up the run started with (a cosine or poly"
                        + " schedule also with its train.epochs: it cannot be extended), or train anew with"
                        + " --overwrite", dir, epoch.intValue(), had, ts.schedule(), ts.epochs(), now));
            }
        }
    }

    /**
     * The weight average a resumed run continues: the checkpoint's, when its averaging window is
     * the config's; a new one when the config's window has not begun yet.
     *
     * @throws IOException when the config's window began before the checkpoint's epoch but is
     *     not the window the checkpoint averaged (train.average or train.epochs changed)
     */
    private static WeightAverage resumedAverage(Path dir, TrainConfig.TrainSettings ts, State state,
            Map<String, HostTensor> averaged) throws IOException {
        int first = ts.firstAveragedEpoch();
        if (ts.average() == 0 || state.epoch() < first) {
            return new WeightAverage();
        }
        if (state.averageFrom() != first) {
            throw new IOException(dir + ": the config averages the weights from epoch " + first
                    + " (train.average " + ts.average() + " of " + ts.epochs() + " epochs), but the checkpoint "
                    + (state.averageFrom() == 0 ? "averaged none"
                            : "averaged from epoch " + state.averageFrom())
                    + " and is at epoch " + state.epoch() + "; resume with the settings it was trained with");
        }
        return WeightAverage.restore(averaged, state.epoch() - first + 1);
    }

    /** Writes {@code log.csv} and {@code curves.png} from the history. */
    static void writeLog(Path out, List<Map<String, Double>> history) throws IOException {
        Set<String> cols = new LinkedHashSet<>();
        for (Map<String, Double> row : history) {
            cols.addAll(row.keySet());
        }
        StringBuilder sb = new StringBuilder(String.join(",", cols)).append('\n');
        for (Map<String, Double> row : history) {
            List<String> vals = new ArrayList<>();
            for (String c : cols) {
                Double v = row.get(c);
                vals.add(v == null ? "" : c.equals("epoch") ? String.valueOf(v.intValue()) : String.format(Locale.ROOT, "%.6g", v));
            }
            sb.append(String.join(",", vals)).append('\n');
        }
        AtomicFiles.writeString(out.resolve("log.csv"), sb.toString());
        Curves.write(out.resolve("curves.png"), history);
    }
}
