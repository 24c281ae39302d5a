package dev.freqmed.model.diffusionffpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import dev.freqmed.config.Configs;
import dev.freqmed.io.StateDicts;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which weights train: as the paper (LoRA, the UNet's conv_in, the heads) or, with
 * {@code trainBase}, every UNet and translation-VAE weight as well; the local-view encoders, the
 * prompt tables and the ViT trunk stay frozen either way. Needs no weights allocated.
 */
class DiffusionFfpeTrainableTest {

    private static Map<String, Parameter> parameters(boolean trainBase) {
        DiffusionFfpeConfig c = Configs.merge(DiffusionFfpeConfig.tiny(),
                Map.<String, Object>of("trainBase", trainBase), "test");
        assertEquals(trainBase, c.trainBase());
        return StateDicts.parameters(new DiffusionFfpe(c));
    }

    private static boolean generator(String k) {
        return k.startsWith("unet.") || k.startsWith("vae.") || k.startsWith("vae_b2a.");
    }

    @Test
    void thePaperSetTrainsOnlyAdaptersConvInAndHeads() {
        int base = 0;
        for (Map.Entry<String, Parameter> e : parameters(false).entrySet()) {
            String k = e.getKey();
            boolean expected = k.contains(".lora_") && generator(k)
                    || k.startsWith("unet.conv_in.base_layer.")
                    || k.startsWith("net_disc_") && (k.endsWith("weight_orig")
                            || k.endsWith(".bias"));
            assertEquals(expected, e.getValue().requiresGradient(), k);
            if (generator(k) && !k.contains(".lora_") && !k.startsWith("unet.conv_in.")) {
                base++;
            }
        }
        assertTrue(base > 50, "frozen base weights: " + base);
    }

    @Test
    void trainBaseAlsoTrainsEveryUnetAndTranslationVaeWeight() {
        for (Map.Entry<String, Parameter> e : parameters(true).entrySet()) {
            String k = e.getKey();
            if (generator(k)) {
                assertTrue(e.getValue().requiresGradient(), k);
            } else if (!k.startsWith("net_disc_")) {
                assertFalse(e.getValue().requiresGradient(), k);
            }
        }
    }
}
