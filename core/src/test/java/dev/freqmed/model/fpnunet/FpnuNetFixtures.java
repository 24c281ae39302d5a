package dev.freqmed.model.fpnunet;

import dev.freqmed.backbone.VitEncoderConfig;
import java.util.List;

/** Configs shared by the FPNuNet tests. */
public final class FpnuNetFixtures {

    private FpnuNetFixtures() {
    }

    /**
     * The paper's neck, decoders and encoder widths (SAM 768, UNI 1024, 9 type channels) with
     * shallow encoders (SAM 2 blocks, block 1 global; UNI 3 blocks hooked at 0, 1, 2) and MLP
     * width 64, so that every reference key template is present at its paper shape without
     * allocating the 394 M parameters.
     */
    public static FpnuNetConfig keyCheck() {
        FpnuNetConfig p = FpnuNetConfig.paper();
        return new FpnuNetConfig(128,
                new VitEncoderConfig(768, 2, 12, 64, 8, 16, 14, List.of(1), 1, List.of(), 32, 0),
                new VitEncoderConfig(1024, 3, 16, 64, 8, 16, 0, List.of(), 2, List.of(0, 1, 2),
                        32, 0),
                p.fusionChannels(), p.pixelChannels(), p.pixelInter(), p.headChannels(),
                p.attentionHeads(), p.promptLength(), p.numTypes(), p.highPassRate(),
                p.queryChunk(), p.classWeights(), p.boundaryWeight(), p.minHvArea(),
                p.tileMargin(), p.patchStep(), 0, false, 0, FpnuNetConfig.PIXEL_MINUS_ONE, false,
                FpnuNetConfig.COLOR_STEM_OFF, FpnuNetConfig.STAIN_IHC,
                null);
    }
}
