package dev.freqmed.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.io.GrayImage;
import dev.freqmed.io.ImageIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pairing and instance-map formats. */
class EvaluationInputsTest {

    @TempDir
    Path tmp;

    private static Path formats() {
        return Fixtures.dir().resolveSibling("instance-formats");
    }

    @Test
    void matAndNpyInstanceMapsEqualThePng() throws IOException {
        InstanceMap png = EvaluationInputs.readInstanceMap(
                Fixtures.dir().resolve("inputs/inst_noncontig_ids_128_true.png"));
        for (String f : List.of("inst_noncontig_ids_128_true.mat",
                "inst_noncontig_ids_128_true.npy",
                "inst_noncontig_ids_128_true_fortran.npy")) {
            InstanceMap m = EvaluationInputs.readInstanceMap(formats().resolve(f));
            assertEquals(128, m.width(), f);
            assertArrayEquals(png.ids(), m.ids(), f);
        }
    }

    @Test
    void fastGreyReadingGivesTheSamplesOfImageIo() throws IOException {
        for (String f : List.of("sod_blobs_512_pred.png", "inst_dense_512_true.png",
                "frcu_isic_4x256_0_gt.png")) {
            Path p = Fixtures.dir().resolve("inputs").resolve(f);
            GrayImage a = ImageIo.readGray(p);
            GrayImage b = EvaluationInputs.readGray(p);
            assertEquals(a.bitDepth(), b.bitDepth(), f);
            assertArrayEquals(a.data(), b.data(), f);
        }
    }

    @Test
    void centroidsFromMatEqualTheCsv() throws IOException {
        List<Centroid> csv = CentroidCsvReader.read(
                Fixtures.dir().resolve("inputs/type_2cls_1img_0_true.csv"));
        List<Centroid> mat = CentroidCsvReader.read(formats().resolve("type_2cls_1img_0_true.mat"));
        assertEquals(csv, mat);
    }

    @Test
    void centroidsFromPredictsObjectTableEqualTheCsv() throws IOException {
        List<Centroid> csv = CentroidCsvReader.read(
                Fixtures.dir().resolve("inputs/type_2cls_1img_0_true.csv"));
        StringBuilder objects = new StringBuilder("id,x,y,area,type\n");
        for (int i = 0; i < csv.size(); i++) {
            Centroid c = csv.get(i);
            objects.append(i + 1).append(',').append(c.x()).append(',').append(c.y()).append(",17,")
                    .append(c.type()).append('\n');
        }
        Path p = tmp.resolve("objects.csv");
        java.nio.file.Files.writeString(p, objects.toString());
        assertEquals(csv, CentroidCsvReader.read(p));
        java.nio.file.Files.writeString(p, "id,x,area\n1,2,3\n");
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> CentroidCsvReader.read(p));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("objects.csv"), e.getMessage());
    }

    @Test
    void centroidsDerivedFromInstanceAndTypeMapsMatchHoverNetPostProcessing() throws IOException {
        Path maps = formats().resolve("inst_touching_256_maps.mat");
        List<Centroid> derived = CentroidCsvReader.read(maps);
        List<Centroid> expected = CentroidCsvReader.read(
                formats().resolve("inst_touching_256_maps_centroids.csv"));
        assertEquals(expected.size(), derived.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).x(), derived.get(i).x(), 1e-9, "x of " + i);
            assertEquals(expected.get(i).y(), derived.get(i).y(), 1e-9, "y of " + i);
            assertEquals(expected.get(i).type(), derived.get(i).type(), "type of " + i);
        }
    }

    @Test
    void instanceIdsAboveSixteenBitsAreRefused() throws IOException {
        Path p = tmp.resolve("big.npy");
        String header = "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }";
        StringBuilder hb = new StringBuilder(header);
        while ((10 + hb.length() + 1) % 64 != 0) {
            hb.append(' ');
        }
        hb.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + hb.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 1).put((byte) 0);
        b.putShort((short) hb.length()).put(hb.toString().getBytes(StandardCharsets.US_ASCII));
        b.putInt(3).putInt(70000);
        Files.write(p, b.array());
        IOException e = assertThrows(IOException.class, () -> EvaluationInputs.readInstanceMap(p));
        assertTrue(e.getMessage().contains("big.npy") && e.getMessage().contains("16 bits"),
                e.getMessage());
    }

    @Test
    void pairingByStemAcceptsDifferentExtensionsAndNamesUnpairedFiles() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("pred"));
        Path b = Files.createDirectories(tmp.resolve("gt"));
        GrayImage img = new GrayImage(2, 2, 8, new int[] {0, 255, 0, 255});
        ImageIo.writeGray8(a.resolve("x.png"), img);
        ImageIo.writeGray8(b.resolve("x.bmp"), img);
        List<EvaluationInputs.FilePair> pairs =
                EvaluationInputs.pair(a, b, EvaluationInputs.IMAGE_EXTENSIONS, "mask");
        assertEquals(1, pairs.size());
        assertEquals("x", pairs.get(0).name());
        ImageIo.writeGray8(a.resolve("y.png"), img);
        IOException e = assertThrows(IOException.class,
                () -> EvaluationInputs.pair(a, b, EvaluationInputs.IMAGE_EXTENSIONS, "mask"));
        assertTrue(e.getMessage().contains("y.png"), e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        e = assertThrows(IOException.class, () -> EvaluationInputs.list(empty, Set.of("png"),
                "mask"));
        assertTrue(e.getMessage().contains("empty") && e.getMessage().contains("no mask files"),
                e.getMessage());
        assertEquals("vol", EvaluationInputs.stem(Path.of("vol.nii.gz")));
    }

    @Test
    void nonBinaryMaskIsRefusedWithTheFileName() throws IOException {
        Path p = tmp.resolve("m.png");
        ImageIo.writeGray8(p, new GrayImage(2, 1, 8, new int[] {0, 37}));
        IOException e = assertThrows(IOException.class, () -> EvaluationInputs.readBinaryMask(p));
        assertTrue(e.getMessage().contains("m.png") && e.getMessage().contains("37"),
                e.getMessage());
    }
}
