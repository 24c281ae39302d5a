package dev.freqmed.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Names and display colours of object classes (nucleus types): what the CSV, the GeoJSON's
 * QuPath {@code classification} and the overlay call and colour each class id. Ids without an
 * entry are called {@code type N} and coloured from a fixed palette.
 *
 * @param names   class id to name
 * @param colours class id to [r, g, b]
 */
public record ObjectClasses(Map<Integer, String> names, Map<Integer, List<Integer>> colours) {

    /** Copies both maps. */
    public ObjectClasses {
        names = Map.copyOf(names);
        colours = Map.copyOf(colours);
    }

    /** No names or colours: every class is {@code type N} with the palette colour. */
    public static ObjectClasses unnamed() {
        return new ObjectClasses(Map.of(), Map.of());
    }

    /** The class's name. */
    public String name(int id) {
        return names.getOrDefault(id, "type " + id);
    }

    /** The class's display colour [r, g, b]. */
    public List<Integer> colour(int id) {
        List<Integer> c = colours.get(id);
        return c != null ? c : palette(id);
    }

    /** A display colour per class id ([r, g, b]): a fixed palette, then a hash. */
    static List<Integer> palette(int type) {
        int[][] palette = {{128, 128, 128}, {255, 0, 0}, {0, 160, 0}, {0, 0, 255},
            {255, 200, 0}, {255, 0, 255}, {0, 200, 200}, {160, 80, 0}, {128, 0, 160}};
        if (type >= 0 && type < palette.length) {
            int[] c = palette[type];
            return List.of(c[0], c[1], c[2]);
        }
        int h = type * 0x9E3779B9;
        return List.of((h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
    }

    /** The file a training run copies from its data root: {@code types.json}. */
    public static final String FILE = "types.json";

    /**
     * The classes of a trained model: {@value #FILE} in its checkpoint folder or in the run
     * folder around it (where training copies the data root's), else {@link #unnamed()}.
     *
     * @param checkpoint the model's checkpoint folder
     * @return the classes
     * @throws IOException naming the file when it exists but is not readable as classes
     */
    public static ObjectClasses ofModel(Path checkpoint) throws IOException {
        Path file = fileOfModel(checkpoint);
        return file == null ? unnamed() : read(file);
    }

    /** {@link #ofModel}'s file, or null when there is none. */
    public static Path fileOfModel(Path checkpoint) {
        Path parent = checkpoint.toAbsolutePath().getParent();
        for (Path p : new Path[] {checkpoint.resolve(FILE),
            parent == null ? null : parent.resolve(FILE)}) {
            if (p != null && java.nio.file.Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Reads names (and colours where given) from a JSON file shaped like
     * {@code {"types": {"1": {"name": "...", "colour": [r, g, b]}}}} (the CoNSeP sample's
     * {@code types.json}) or {@code {"1": ["name", [r, g, b]]}} (HoVer-Net's
     * {@code type_info.json}).
     *
     * @param json the file
     * @return the classes
     * @throws IOException naming the file when it is not such JSON
     */
    public static ObjectClasses read(Path json) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new IOException(json + ": not readable JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(json + ": expected a JSON object of types");
        }
        JsonNode types = root.has("types") ? root.get("types") : root;
        Map<Integer, String> names = new TreeMap<>();
        Map<Integer, List<Integer>> colours = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = types.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw new IOException(json + ": type key '" + e.getKey() + "' is not an integer");
            }
            JsonNode v = e.getValue();
            String name = v.isObject() && v.has("name") ? v.get("name").asText()
                    : v.isArray() && v.size() > 0 ? v.get(0).asText() : null;
            if (name == null) {
                throw new IOException(json + ": type " + id + " has no name");
            }
            names.put(id, name);
            JsonNode c = v.isObject() ? (v.has("colour") ? v.get("colour") : v.get("color"))
                    : v.size() > 1 ? v.get(1) : null;
            if (c != null) {
                if (!c.isArray() || c.size() != 3) {
                    throw new IOException(json + ": the colour of type " + id
                            + " is not [r, g, b]");
                }
                colours.put(id, List.of(c.get(0).asInt(), c.get(1).asInt(), c.get(2).asInt()));
            }
        }
        return new ObjectClasses(names, colours);
    }
}
