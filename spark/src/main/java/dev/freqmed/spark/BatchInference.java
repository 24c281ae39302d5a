package dev.freqmed.spark;

import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.HashPartitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Runs a FreqMed model over many images on Apache Spark: a table of image paths in, a table of
 * results out, and on disk the same files {@code freqmed predict} writes. Each executor loads the
 * model once; each image is one task, so a failed image is retried on its own and a corrupt one
 * becomes an error row while the job goes on.
 *
 * <pre>{@code
 * Dataset<Row> paths = BatchInference.listInputs(spark, Path.of("slides/"));
 * Dataset<Row> results = BatchInference.predict(paths, BatchOptions.of("runs/x/model", "out"));
 * BatchInference.writeResults(results, Path.of("out"));
 * }</pre>
 */
public final class BatchInference {

    /** Column holding each image's path (required). */
    public static final String PATH = "path";

    /** Column holding each image's ground-truth mask path (optional; empty = none). */
    public static final String GROUND_TRUTH = "ground_truth";

    /** The columns every result row adds to the input's columns. */
    public static final StructType RESULT_COLUMNS = new StructType(new StructField[] {
        DataTypes.createStructField("stem", DataTypes.StringType, false),
        DataTypes.createStructField("status", DataTypes.StringType, false),
        DataTypes.createStructField("message", DataTypes.StringType, false),
        DataTypes.createStructField("seconds", DataTypes.DoubleType, false),
        DataTypes.createStructField("width", DataTypes.IntegerType, false),
        DataTypes.createStructField("height", DataTypes.IntegerType, false),
        DataTypes.createStructField("reused", DataTypes.BooleanType, false),
        DataTypes.createStructField("outputs", DataTypes.StringType, false),
        DataTypes.createStructField("summary",
                DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), false),
        DataTypes.createStructField("metrics",
                DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), false),
    });

    private BatchInference() {
    }

    /**
     * The images to run: every image of a folder (sorted), or the rows of a CSV file with a
     * header that has a {@code path} column and optionally {@code ground_truth} and any metadata
     * columns (carried into the results). Relative paths in a CSV are relative to its folder.
     *
     * @throws IOException naming the file when it is missing, empty or has no {@code path} column
     */
    public static Dataset<Row> listInputs(SparkSession spark, Path input) throws IOException {
        if (!Files.exists(input)) {
            throw new NoSuchFileException(input.toString(), null, "input does not exist");
        }
        List<Row> rows = new ArrayList<>();
        StructType schema;
        if (Files.isDirectory(input)) {
            schema = new StructType().add(PATH, DataTypes.StringType, false);
            try (Stream<Path> s = Files.list(input)) {
                s.filter(Files::isRegularFile).filter(ImageIo::isImage).sorted()
                        .forEach(p -> rows.add(RowFactory.create(p.toAbsolutePath().toString())));
            }
            if (rows.isEmpty()) {
                throw new IOException(input + ": no images (PNG, JPEG, BMP, TIFF) in this folder");
            }
        } else {
            List<List<String>> table = Csv.read(input);
            if (table.isEmpty()) {
                throw new IOException(input + ": empty CSV; expected a header with a 'path' column");
            }
            List<String> header = table.get(0);
            int pathColumn = header.indexOf(PATH);
            if (pathColumn < 0) {
                throw new IOException(input + ": no 'path' column in the header " + header);
            }
            int gtColumn = header.indexOf(GROUND_TRUTH);
            schema = new StructType();
            for (String h : header) {
                schema = schema.add(h, DataTypes.StringType, true);
            }
            Path base = input.toAbsolutePath().getParent();
            for (int r = 1; r < table.size(); r++) {
                List<String> line = table.get(r);
                if (line.size() == 1 && line.get(0).isBlank()) {
                    continue;
                }
                if (line.size() != header.size()) {
                    throw new IOException(input + ": line " + (r + 1) + " has " + line.size()
                            + " fields, the header " + header.size());
                }
                Object[] values = line.toArray();
                values[pathColumn] = base.resolve(line.get(pathColumn)).normalize().toString();
                if (gtColumn >= 0 && !line.get(gtColumn).isBlank()) {
                    values[gtColumn] = base.resolve(line.get(gtColumn)).normalize().toString();
                }
                rows.add(RowFactory.create(values));
            }
            if (rows.isEmpty()) {
                throw new IOException(input + ": the CSV lists no images");
            }
        }
        return spark.createDataFrame(rows, schema);
    }

    /**
     * Predicts every image of {@code inputs} and returns one row per image: the input's columns
     * followed by {@link #RESULT_COLUMNS}. The result is computed once and kept (memory, then
     * disk), so later actions do not predict again.
     *
     * @param inputs  a table with a string {@code path} column (and optionally {@code ground_truth})
     * @param options the model, the output folder and predict's knobs
     * @throws IllegalArgumentException when a column is missing or clashes with a result column,
     *     or two images share a file name (their outputs would overwrite each other)
     */
    public static Dataset<Row> predict(Dataset<Row> inputs, BatchOptions options) {
        StructType in = inputs.schema();
        List<String> names = Arrays.asList(in.fieldNames());
        if (!names.contains(PATH)) {
            throw new IllegalArgumentException("the input table has no '" + PATH + "' column: " + names);
        }
        for (String r : RESULT_COLUMNS.fieldNames()) {
            if (names.contains(r)) {
                throw new IllegalArgumentException("the input table has a column '" + r
                        + "', which the results add; rename it");
            }
        }
        List<String> paths = inputs.select(PATH).as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        Map<String, String> seen = new HashMap<>();
        for (String p : paths) {
            String stem = ImageIo.stem(Path.of(p));
            String before = seen.put(stem, p);
            if (before != null) {
                throw new IllegalArgumentException("two inputs share the name '" + stem + "' (" + before
                        + " and " + p + "); their outputs would overwrite each other");
            }
        }
        StructType out = in;
        for (StructField f : RESULT_COLUMNS.fields()) {
            out = out.add(f);
        }
        int pathIndex = names.indexOf(PATH);
        int gtIndex = names.indexOf(GROUND_TRUTH);
        int partitions = Math.max(1, Math.min(paths.size(), 100_000));
        JavaRDD<Row> results = inputs.javaRDD().zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .partitionBy(new HashPartitioner(partitions))
                .values()
                .mapPartitions(rows -> predictPartition(rows, options, pathIndex, gtIndex));
        Dataset<Row> table = inputs.sparkSession().createDataFrame(results, out)
                .persist(StorageLevel.MEMORY_AND_DISK());
        table.count();
        ImagePredictor.deleteTree(Path.of(options.output()).resolve(ImagePredictor.STATE_DIR).resolve("tmp"));
        return table;
    }

    private static Iterator<Row> predictPartition(Iterator<Row> rows, BatchOptions options, int pathIndex,
            int gtIndex) {
        ImagePredictor predictor = new ImagePredictor(options);
        TaskContext ctx = TaskContext.get();
        int attempt = ctx == null ? 0 : ctx.attemptNumber();
        List<Row> out = new ArrayList<>();
        while (rows.hasNext()) {
            Row row = rows.next();
            String gt = gtIndex >= 0 && !row.isNullAt(gtIndex) ? row.getString(gtIndex) : null;
            ImageResult r = predictor.process(row.getString(pathIndex), gt, attempt);
            Object[] values = new Object[row.length() + RESULT_COLUMNS.size()];
            for (int i = 0; i < row.length(); i++) {
                values[i] = row.get(i);
            }
            int k = row.length();
            values[k++] = r.stem();
            values[k++] = r.status();
            values[k++] = r.message();
            values[k++] = r.seconds();
            values[k++] = r.width();
            values[k++] = r.height();
            values[k++] = r.reused();
            values[k++] = r.outputs();
            values[k++] = CollectionConverters.asScala(new LinkedHashMap<>(r.summary()));
            values[k] = CollectionConverters.asScala(new LinkedHashMap<>(r.metrics()));
            out.add(RowFactory.create(values));
        }
        return out.iterator();
    }

    /**
     * Writes the results table as {@code results.parquet/} (Spark's folder of Parquet files) and
     * {@code results.csv} (one file; the summary and metric maps become one column per key),
     * each with a last row {@code status = aggregate}: seconds summed, every summary value and
     * metric averaged over the images that succeeded, the message counting successes and errors.
     *
     * @return the aggregate row's values by column name
     */
    public static Map<String, Object> writeResults(Dataset<Row> results, Path output) throws IOException {
        List<Row> rows = results.collectAsList();
        StructType schema = results.schema();
        Row aggregate = aggregate(rows, schema);
        Dataset<Row> all = results.union(results.sparkSession().createDataFrame(List.of(aggregate), schema))
                .coalesce(1);
        Path parquet = output.resolve("results.parquet");
        all.write().mode(SaveMode.Overwrite).parquet(parquet.toString());

        TreeSet<String> summaryKeys = new TreeSet<>();
        TreeSet<String> metricKeys = new TreeSet<>();
        int summaryIndex = schema.fieldIndex("summary");
        int metricsIndex = schema.fieldIndex("metrics");
        for (Row r : rows) {
            summaryKeys.addAll(javaMap(r, summaryIndex).keySet());
            metricKeys.addAll(javaMap(r, metricsIndex).keySet());
        }
        List<Row> withAggregate = new ArrayList<>(rows);
        withAggregate.add(aggregate);
        Path csv = output.resolve("results.csv");
        Path tmp = output.resolve("results.csv.tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            List<String> header = new ArrayList<>();
            for (int i = 0; i < schema.size(); i++) {
                if (i != summaryIndex && i != metricsIndex) {
                    header.add(schema.fields()[i].name());
                }
            }
            header.addAll(summaryKeys);
            header.addAll(metricKeys);
            w.write(Csv.line(header));
            for (Row r : withAggregate) {
                List<String> cells = new ArrayList<>();
                for (int i = 0; i < schema.size(); i++) {
                    if (i != summaryIndex && i != metricsIndex) {
                        Object v = r.get(i);
                        cells.add(v == null ? "" : v instanceof Double d ? format(d) : v.toString());
                    }
                }
                Map<String, Double> s = javaMap(r, summaryIndex);
                Map<String, Double> m = javaMap(r, metricsIndex);
                summaryKeys.forEach(key -> cells.add(s.containsKey(key) ? format(s.get(key)) : ""));
                metricKeys.forEach(key -> cells.add(m.containsKey(key) ? format(m.get(key)) : ""));
                w.write(Csv.line(cells));
            }
        }
        Files.move(tmp, csv, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Map<String, Object> agg = new LinkedHashMap<>();
        for (int i = 0; i < schema.size(); i++) {
            agg.put(schema.fields()[i].name(), i == summaryIndex || i == metricsIndex
                    ? javaMap(aggregate, i) : aggregate.get(i));
        }
        return agg;
    }

    private static Row aggregate(List<Row> rows, StructType schema) {
        int status = schema.fieldIndex("status");
        int seconds = schema.fieldIndex("seconds");
        int summaryIndex = schema.fieldIndex("summary");
        int metricsIndex = schema.fieldIndex("metrics");
        int ok = 0;
        int reused = 0;
        double totalSeconds = 0;
        Map<String, double[]> summary = new LinkedHashMap<>();
        Map<String, double[]> metrics = new LinkedHashMap<>();
        for (Row r : rows) {
            totalSeconds += r.getDouble(seconds);
            if (!ImageResult.OK.equals(r.getString(status))) {
                continue;
            }
            ok++;
            if (r.getBoolean(schema.fieldIndex("reused"))) {
                reused++;
            }
            accumulate(summary, javaMap(r, summaryIndex));
            accumulate(metrics, javaMap(r, metricsIndex));
        }
        Object[] values = new Object[schema.size()];
        for (int i = 0; i < schema.size(); i++) {
            StructField f = schema.fields()[i];
            values[i] = f.nullable() ? null : f.dataType().equals(DataTypes.StringType) ? "" : null;
        }
        values[schema.fieldIndex(PATH)] = "ALL";
        values[schema.fieldIndex("stem")] = "ALL";
        values[status] = "aggregate";
        values[schema.fieldIndex("message")] = String.format(Locale.ROOT, "%d image(s): %d ok (%d kept from"
                + " an earlier run), %d error(s)", rows.size(), ok, reused, rows.size() - ok);
        values[seconds] = totalSeconds;
        values[schema.fieldIndex("width")] = 0;
        values[schema.fieldIndex("height")] = 0;
        values[schema.fieldIndex("reused")] = false;
        values[schema.fieldIndex("outputs")] = "";
        values[summaryIndex] = CollectionConverters.asScala(means(summary));
        values[metricsIndex] = CollectionConverters.asScala(means(metrics));
        return RowFactory.create(values);
    }

    private static void accumulate(Map<String, double[]> into, Map<String, Double> values) {
        values.forEach((k, v) -> {
            double[] a = into.computeIfAbsent(k, x -> new double[2]);
            a[0] += v;
            a[1]++;
        });
    }

    private static Map<String, Double> means(Map<String, double[]> sums) {
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, a) -> out.put(k, a[0] / a[1]));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Double> javaMap(Row r, int index) {
        Object m = r.get(index);
        if (m == null) {
            return Map.of();
        }
        if (m instanceof scala.collection.Map<?, ?> sm) {
            return (Map<String, Double>) (Map<?, ?>) CollectionConverters.asJava(sm);
        }
        return (Map<String, Double>) m;
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    /** Unchecked wrapper used where Spark's functional interfaces cannot throw. */
    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
