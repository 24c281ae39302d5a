package dev.freqmed.model.diffusionffpe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.freqmed.io.StateDicts;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The key layout the release import relies on, at SD-Turbo size and without allocating: the
 * counts of the spec §6 ({@code sd_encoder} 188, {@code sd_decoder} 294, {@code sd_other} 34
 * tensors; 400 per VAE in {@code sd_vae_enc}) and of diffusers' state dicts (686 UNet and 248
 * AutoencoderKL tensors, which the base folder must supply).
 */
class DiffusionFfpeReleaseTest {

    @Test
    void paperSizeKeysMatchTheReleaseLayout() {
        DiffusionFfpe net = new DiffusionFfpe(DiffusionFfpeConfig.paper());
        Set<String> keys = StateDicts.parameters(net).keySet();
        long enc = 0;
        long dec = 0;
        long other = 0;
        long unetBase = 0;
        for (String k : keys) {
            if (!k.startsWith("unet.")) {
                continue;
            }
            String m = k.substring("unet.".length());
            if (!m.contains(".lora_")) {
                unetBase++;
            } else if (m.startsWith("down_blocks") || m.startsWith("conv_in")) {
                enc++;
            } else if (m.startsWith("up_blocks")) {
                dec++;
            } else {
                other++;
            }
        }
        assertEquals(List.of(188L, 294L, 34L, 686L), List.of(enc, dec, other, unetBase));
        for (String v : DiffusionFfpeRelease.VAES) {
            long all = keys.stream().filter(k -> k.startsWith(v + ".")).count();
            long base = keys.stream().filter(k -> k.startsWith(v + ".") && !k.contains(".lora_")
                    && !k.contains(".skip_conv_")).count();
            assertEquals(List.of(400L, 248L), List.of(all, base), v);
        }
    }
}
