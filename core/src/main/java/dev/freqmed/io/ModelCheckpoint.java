package dev.freqmed.io;

import ai.djl.nn.Block;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * FreqMed's checkpoint folder: {@code weights.safetensors} (every parameter and buffer by its
 * PyTorch-style key, see {@link StateDicts}) and {@code manifest.json} (a {@link Manifest}).
 *
 * <p>A folder is written into a temporary sibling and renamed into place; an existing checkpoint
 * is first renamed aside and deleted only once the new one is in place, so a crash at any moment
 * leaves either the old complete checkpoint or the new one. Reading recovers the old one if only
 * the set-aside copy exists.
 *
 * <pre>{@code
 * ModelCheckpoint.save(dir, net, Manifest.of("frcunet", configMap).withMetrics(m));
 * Manifest man = ModelCheckpoint.readManifest(dir);   // check man.architecture()
 * Block net2 = ...; net2.initialize(...);
 * ModelCheckpoint.load(dir, net2);                    // strict; throws with a key table
 * }</pre>
 */
public final class ModelCheckpoint {

    /** Weights file name inside the folder. */
    public static final String WEIGHTS = "weights.safetensors";
    /** Manifest file name inside the folder. */
    public static final String MANIFEST = "manifest.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelCheckpoint() {
    }

    /**
     * Saves the parameters of an initialized {@code block} and {@code manifest} to the folder
     * {@code dir}, replacing any previous checkpoint there atomically.
     *
     * @throws IOException when the folder cannot be written (the previous checkpoint is kept)
     */
    public static void save(Path dir, Block block, Manifest manifest) throws IOException {
        save(dir, StateDicts.hostTensors(block), manifest);
    }

    /**
     * Saves a tensor map and {@code manifest} to the folder {@code dir}, replacing any previous
     * checkpoint there atomically.
     *
     * @throws IOException when the folder cannot be written (the previous checkpoint is kept)
     */
    public static void save(Path dir, Map<String, ?> tensors, Manifest manifest)
            throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        recover(target);
        removeLeftovers(target);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path tmp = parent.resolve(target.getFileName() + ".tmp-" + tag);
        Path old = parent.resolve(target.getFileName() + ".old-" + tag);
        try {
            Files.createDirectory(tmp);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", Manifest.FORMAT);
            meta.put("architecture", String.valueOf(manifest.architecture()));
            Safetensors.write(tmp.resolve(WEIGHTS), tensors, meta);
            AtomicFiles.writeString(tmp.resolve(MANIFEST), JSON.writeValueAsString(manifest));
            if (Files.exists(target)) {
                if (!Files.isDirectory(target)) {
                    throw new IOException(target + ": exists and is not a folder");
                }
                move(target, old);
            }
            move(tmp, target);
            AtomicFiles.deleteTree(old);
        } finally {
            AtomicFiles.deleteTree(tmp);
        }
    }

    /**
     * Reads the manifest of a checkpoint folder.
     *
     * @throws IOException "DIR: not a FreqMed checkpoint (no manifest.json)" when the folder has
     *     no manifest, or a message naming the file when the manifest is malformed
     */
    public static Manifest readManifest(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        recover(target);
        Path m = target.resolve(MANIFEST);
        if (!Files.isRegularFile(m)) {
            throw new IOException(dir + ": not a FreqMed checkpoint (no " + MANIFEST + ")");
        }
        Manifest man;
        try {
            man = JSON.readValue(m.toFile(), Manifest.class);
        } catch (JsonProcessingException e) {
            throw new IOException(m + ": malformed manifest: " + e.getOriginalMessage(), e);
        }
        if (man == null || !Manifest.FORMAT.equals(man.format())) {
            throw new IOException(m + ": not a FreqMed checkpoint manifest (format '"
                    + (man == null ? null : man.format()) + "', expected '" + Manifest.FORMAT
                    + "')");
        }
        if (man.formatVersion() > Manifest.FORMAT_VERSION) {
            throw new IOException(m + ": checkpoint format version " + man.formatVersion()
                    + " is newer than this FreqMed reads (" + Manifest.FORMAT_VERSION + ")");
        }
        return man;
    }

    /**
     * Reads the weights of a checkpoint folder (memory-mapped).
     *
     * @throws IOException when the folder is not a checkpoint or its weights are malformed
     */
    public static Map<String, HostTensor> readWeights(Path dir) throws IOException {
        readManifest(dir);
        return Safetensors.read(dir.resolve(WEIGHTS)).tensors();
    }

    /**
     * Loads a checkpoint folder into an initialized {@code block}, strictly.
     *
     * @return the manifest
     * @throws IOException when the folder is not a checkpoint or is malformed
     * @throws IllegalArgumentException when the weights do not match the network (the message
     *     is the key table)
     */
    public static Manifest load(Path dir, Block block) throws IOException {
        return load(dir, block, LoadOptions.strictDefaults());
    }

    /**
     * Loads a checkpoint folder into an initialized {@code block} with the given options.
     *
     * @return the manifest
     * @throws IOException when the folder is not a checkpoint or is malformed
     * @throws IllegalArgumentException when a strict load does not match (message is the table)
     */
    public static Manifest load(Path dir, Block block, LoadOptions options) throws IOException {
        Manifest man = readManifest(dir);
        Map<String, HostTensor> w = Safetensors.read(dir.resolve(WEIGHTS)).tensors();
        try {
            StateDicts.load(block, w, options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
        return man;
    }

    /**
     * If {@code target} is missing but a set-aside {@code target.old-*} copy exists (a save
     * crashed between the two renames), moves the copy back.
     */
    private static void recover(Path target) throws IOException {
        Path parent = target.getParent();
        if (Files.exists(target) || parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String prefix = target.getFileName() + ".old-";
        Path newest = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, p ->
                p.getFileName().toString().startsWith(prefix)
                        && Files.isRegularFile(p.resolve(MANIFEST)))) {
            for (Path p : ds) {
                if (newest == null || Files.getLastModifiedTime(p).compareTo(
                        Files.getLastModifiedTime(newest)) > 0) {
                    newest = p;
                }
            }
        }
        if (newest != null) {
            move(newest, target);
        }
    }

    /**
     * Deletes what crashed saves left next to {@code target}: unfinished {@code target.tmp-*}
     * folders, and {@code target.old-*} copies once {@code target} itself is complete.
     */
    private static void removeLeftovers(Path target) throws IOException {
        Path parent = target.getParent();
        String name = target.getFileName().toString();
        boolean complete = Files.isRegularFile(target.resolve(MANIFEST));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(name + ".tmp-") || (complete && n.startsWith(name + ".old-"));
        })) {
            for (Path p : ds) {
                AtomicFiles.deleteTree(p);
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

}
