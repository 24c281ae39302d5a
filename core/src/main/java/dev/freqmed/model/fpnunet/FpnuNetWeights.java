package dev.freqmed.model.fpnunet;

import dev.freqmed.io.DType;
import dev.freqmed.io.HostTensor;
import dev.freqmed.io.weights.Checkpoint;
import dev.freqmed.tensor.Resize;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How FPNuNet reads the files it starts from (spec §9.2), one file per load:
 * <ul>
 *   <li>Segment Anything's {@code sam_vit_b_01ec64.pth} ({@code image_encoder.*}): keys move
 *       under {@code sam.}; the 16×16 patch embedding is discarded (the network's 8×8 one stays
 *       random); {@code pos_embed (1, 64, 64, D)} is resized bilinearly
 *       ({@code align_corners=False}) to the token grid; the relative tables of the global blocks
 *       are resized linearly to {@code 2g − 1} rows, as SAM's {@code get_rel_pos}; the prompt
 *       encoder and mask decoder are dropped.</li>
 *   <li>UNI's {@code pytorch_model.bin} (timm ViT-L keys): keys move under
 *       {@code extra_encoder.model.}; LayerScale {@code ls1/ls2.gamma} are dropped (the
 *       reference loads with {@code strict=False}, which drops them); the patch embedding is
 *       discarded; {@code pos_embed} keeps its CLS row and resizes its grid bilinearly.</li>
 *   <li>An FPNuNet checkpoint of the reference (Lightning, {@code model.} prefix): the prefix is
 *       stripped; the loss buffers ({@code loss.*}) and SAM's prompt encoder, which this network
 *       does not build (it is never called), are dropped.</li>
 * </ul>
 * Keys the file does not hold are reported missing by the strict load; a training config
 * lists them in {@code model.init.allowMissing}.
 */
final class FpnuNetWeights {

    private static final Pattern REL_POS =
            Pattern.compile("image_encoder\\.blocks\\.(\\d+)\\.attn\\.rel_pos_[hw]");

    private FpnuNetWeights() {
    }

    static Map<String, HostTensor> toNetworkKeys(FpnuNetConfig config, Checkpoint source)
            throws IOException {
        Map<String, HostTensor> sd = source.stateDict();
        if (sd.keySet().stream().anyMatch(k -> k.startsWith("image_encoder."))) {
            return fromSam(config, sd);
        }
        if (sd.containsKey("cls_token") && sd.containsKey("blocks.0.attn.qkv.weight")) {
            return fromUni(config, sd);
        }
        if (sd.keySet().stream().anyMatch(k -> k.startsWith("model.sam.")
                || k.startsWith("sam.image_encoder."))) {
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, HostTensor> e : sd.entrySet()) {
                String k = e.getKey().startsWith("model.") ? e.getKey().substring(6) : e.getKey();
                if (e.getKey().startsWith("loss.") || k.startsWith("sam.prompt_encoder.")) {
                    continue;
                }
                out.put(k, e.getValue());
            }
            return out;
        }
        throw new IOException(source.source() + ": neither a Segment Anything checkpoint"
                + " (image_encoder.*), a UNI / timm ViT (cls_token, blocks.*) nor an FPNuNet"
                + " checkpoint (sam.image_encoder.*); first keys: "
                + sd.keySet().stream().limit(3).toList());
    }

    private static Map<String, HostTensor> fromSam(FpnuNetConfig config,
            Map<String, HostTensor> sd) throws IOException {
        int g = config.sam().gridSize();
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : sd.entrySet()) {
            String k = e.getKey();
            HostTensor t = e.getValue();
            if (!k.startsWith("image_encoder.") || k.startsWith("image_encoder.patch_embed.")) {
                continue;
            }
            if (k.equals("image_encoder.pos_embed")) {
                long[] s = t.shape();
                float[] r = resizeGrid(t.toFloatArray(), (int) s[1], (int) s[2], (int) s[3], g, g);
                t = HostTensor.of(DType.FLOAT32, new long[] {1, g, g, s[3]}, r);
            } else {
                Matcher m = REL_POS.matcher(k);
                if (m.matches() && (config.sam().windowSize() == 0
                        || config.sam().globalBlocks().contains(Integer.parseInt(m.group(1))))) {
                    long[] s = t.shape();
                    float[] r = resizeRows(t.toFloatArray(), (int) s[0], (int) s[1], 2 * g - 1);
                    t = HostTensor.of(DType.FLOAT32, new long[] {2L * g - 1, s[1]}, r);
                }
            }
            out.put("sam." + k, t);
        }
        return out;
    }

    private static Map<String, HostTensor> fromUni(FpnuNetConfig config,
            Map<String, HostTensor> sd) {
        int g = config.uni().gridSize();
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : sd.entrySet()) {
            String k = e.getKey();
            HostTensor t = e.getValue();
            if (k.startsWith("patch_embed.") || k.endsWith(".ls1.gamma")
                    || k.endsWith(".ls2.gamma")) {
                continue;
            }
            if (k.equals("pos_embed")) {
                long[] s = t.shape();
                int d = (int) s[2];
                int src = (int) Math.round(Math.sqrt(s[1] - 1));
                float[] v = t.toFloatArray();
                float[] grid = java.util.Arrays.copyOfRange(v, d, v.length);
                float[] r = resizeGrid(grid, src, src, d, g, g);
                float[] all = new float[d + r.length];
                System.arraycopy(v, 0, all, 0, d);
                System.arraycopy(r, 0, all, d, r.length);
                t = HostTensor.of(DType.FLOAT32, new long[] {1, 1L + (long) g * g, d},
                        all);
            }
            out.put("extra_encoder.model." + k, t);
        }
        return out;
    }

    /**
     * Bilinear resize ({@code align_corners=False}, no antialiasing) of a channel-last grid
     * {@code (h, w, c)} to {@code (oh, ow, c)}.
     */
    static float[] resizeGrid(float[] v, int h, int w, int c, int oh, int ow) {
        return Resize.resizeChannelLast(v, h, w, c, weights(h, oh), weights(w, ow));
    }

    /** Linear resize ({@code align_corners=False}) of {@code (rows, c)} along the rows. */
    static float[] resizeRows(float[] v, int rows, int c, int out) {
        return resizeGrid(v, rows, 1, c, out, 1);
    }

    /** Interpolation weights {@code out × in} (row-major) of torch's linear rule. */
    static float[] weights(int in, int out) {
        float[] m = new float[out * in];
        double scale = (double) in / out;
        for (int d = 0; d < out; d++) {
            double src = Math.max(scale * (d + 0.5) - 0.5, 0);
            int i0 = Math.min((int) src, in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            float l1 = (float) (src - i0);
            if (i0 == in - 1) {
                l1 = 0;
            }
            m[d * in + i0] += 1 - l1;
            m[d * in + i1] += l1;
        }
        return m;
    }
}
