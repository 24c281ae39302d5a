package dev.freqmed.model.fafnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.freqmed.data.nifti.NiftiVolume;
import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.weights.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The evaluation protocol's choices (spec §1.6, §1.8 and its golden values), its Dice, and the
 * weight-file key mapping.
 */
class FewShotProtocolTest {

    @Test
    void supportSlicesAndChunksAreTheSpecs() {
        assertArrayEquals(new int[] {5, 15, 25}, FewShotProtocol.supportIndices(3, 30));
        assertArrayEquals(new int[] {1, 5, 8}, FewShotProtocol.supportIndices(3, 10));
        assertArrayEquals(new int[] {3}, FewShotProtocol.supportIndices(1, 7));
        assertArrayEquals(new int[] {0, 10, 20, 31}, FewShotProtocol.chunks(31, 3));
        assertArrayEquals(new int[] {0, 3, 6, 10}, FewShotProtocol.chunks(10, 3));
    }

    @Test
    void chaosFoldsOverlapByOneVolumeAndTheSupportIsThirdInTheFold() {
        assertEquals(List.of(0, 1, 2, 3, 4), FewShotData.fold(20, 0));
        assertEquals(List.of(4, 5, 6, 7, 8), FewShotData.fold(20, 1));
        assertEquals(List.of(12, 13, 14, 15, 16), FewShotData.fold(20, 3));
        assertEquals(List.of(0, 16, 17, 18, 19), FewShotData.fold(20, 4));
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), FewShotData.fold(30, 0));
        assertEquals(List.of(0, 24, 25, 26, 27, 28, 29), FewShotData.fold(30, 4));
        List<String> chaos = List.of("1", "2", "3", "5", "8", "10", "13", "15", "19", "20", "21",
                "22", "31", "32", "33", "34", "36", "37", "38", "39");
        assertEquals(List.of("3", "1", "2", "5", "8"),
                FewShotProtocol.foldVolumes(chaos, FewShotData.fold(20, 0), 2));
        assertEquals(List.of("37", "1", "36", "38", "39"),
                FewShotProtocol.foldVolumes(chaos, FewShotData.fold(20, 4), 2));
        assertThrows(IllegalArgumentException.class, () -> FewShotData.fold(4, 0));
    }

    @Test
    void protocolPicksTheSupportSlicesOfARealVolume() throws Exception {
        Path root = FafNetTrainingTest.MINI;
        assertEquals(List.of("1", "2", "3", "5", "8"), FewShotData.ids(root));
        VolumeSlices v = FewShotData.load(root, "3", 64, true, null);
        int[] liver = v.organSlices(1);
        int c = liver.length;
        int[] picked = FewShotProtocol.supportSlices(v, 1, 3, "liver");
        int[] want = {liver[c / 6], liver[c / 2], liver[(int) (5.0 / 6 * c)]};
        // (1/6)·C etc. truncated, as numpy's astype(int) on the reference's float fractions.
        assertArrayEquals(want, picked, "liver slices " + java.util.Arrays.toString(liver));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FewShotProtocol.supportSlices(v, 9, 3, "none"));
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
    }

    @Test
    void perfectPredictionGivesDiceOne() throws Exception {
        NiftiVolume lbl = FewShotData.read(FewShotData.label(FafNetTrainingTest.MINI, "1"));
        int[] slices = FewShotEvaluation.nativeOrganSlices(lbl, 2);
        int plane = lbl.dim(0) * lbl.dim(1);
        float[] truth = new float[slices.length * plane];
        for (int j = 0; j < slices.length; j++) {
            for (int i = 0; i < plane; i++) {
                truth[j * plane + i] = lbl.data()[slices[j] * plane + i] == 2 ? 1 : 0;
            }
        }
        assertArrayEquals(new double[] {1, 1}, FewShotEvaluation.diceIou(truth, truth.clone()));
        // Half of the foreground predicted, nothing else: Dice 2h/(h + 2h) = 2/3, IoU 1/2.
        float[] half = new float[truth.length];
        int fg = 0;
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] == 1 && fg++ % 2 == 0) {
                half[i] = 1;
            }
        }
        assertTrue(fg > 0);
        double h = Math.ceil(fg / 2.0);
        double[] di = FewShotEvaluation.diceIou(half, truth);
        assertEquals(2 * h / (h + fg), di[0], 1e-12);
        assertEquals(h / fg, di[1], 1e-12);
        assertArrayEquals(new double[] {1, 1}, FewShotEvaluation.diceIou(new float[4],
                new float[4]));
        // At the network side equal to the volume's, the upsampling is the identity.
        float[] slice = java.util.Arrays.copyOf(truth, plane);
        assertArrayEquals(slice, FewShotProtocol.resizeAligned(slice, 64, 64, 64), 0f);
    }

    @Test
    void weightFilesMapOntoTheEncoderLikeTheReference() throws Exception {
        Map<String, HostTensor> file = new LinkedHashMap<>();
        HostTensor t = HostTensor.of(DType.FLOAT32, new long[] {1}, new float[] {1});
        for (String k : new String[] {"backbone.layer1.0.conv1.weight", "classifier.4.weight",
            "aux_classifier.0.weight", "layer2.0.bn1.running_var", "fc.bias",
            "cross_att.fc_q.bias", "encoder.reduce1.weight"}) {
            file.put(k, t);
        }
        Map<String, HostTensor> mapped = new FafNet(FafNetConfig.paper()).toNetworkKeys(
                new Checkpoint(Path.of("w.pth"), "pytorch-zip", file, Map.of()));
        assertEquals(new ArrayList<>(List.of("encoder.backbone.layer1.0.conv1.weight",
                "encoder.backbone.layer2.0.bn1.running_var", "encoder.backbone.fc.bias",
                "cross_att.fc_q.bias", "encoder.reduce1.weight")),
                new ArrayList<>(mapped.keySet()));
    }
}
