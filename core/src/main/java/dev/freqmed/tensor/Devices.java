package dev.freqmed.tensor;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;
import java.util.Objects;

/**
 * Turns the {@code --device} option ({@code cpu}, {@code gpu}, {@code gpu:N}, {@code auto}) into a
 * DJL {@link Device} for a given engine, and describes devices for logs and benchmark reports.
 */
public final class Devices {

    private Devices() {}

    /**
     * Parses a device specification.
     *
     * <ul>
     *   <li>{@code cpu}: the CPU;
     *   <li>{@code gpu}: GPU 0, which the engine must report;
     *   <li>{@code gpu:N}: GPU {@code N}, which must exist;
     *   <li>{@code auto}: GPU 0 if the engine reports at least one GPU, else the CPU.
     * </ul>
     *
     * Matching ignores case and surrounding blanks.
     *
     * @param spec the specification
     * @param engine the engine whose GPUs count
     * @return the device
     * @throws IllegalArgumentException for any other text, or a GPU the engine does not have
     */
    public static Device parse(String spec, Engine engine) {
        Objects.requireNonNull(engine, "engine");
        return parse(spec, engine.getGpuCount());
    }

    /**
     * Parses a device specification given the number of available GPUs; see
     * {@link #parse(String, Engine)}.
     *
     * @param spec the specification
     * @param gpuCount number of GPUs available, 0 or more
     * @return the device
     * @throws IllegalArgumentException for bad text or a missing GPU
     */
    public static Device parse(String spec, int gpuCount) {
        if (spec == null) {
            throw new IllegalArgumentException(
                    "Expected a device cpu|gpu|gpu:N|auto, found nothing");
        }
        String s = spec.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "cpu":
                return Device.cpu();
            case "auto":
                return gpuCount > 0 ? Device.gpu(0) : Device.cpu();
            case "gpu":
                return gpu(0, gpuCount, spec);
            default:
                break;
        }
        if (s.startsWith("gpu:")) {
            String number = s.substring(4);
            if (!number.isEmpty() && number.chars().allMatch(Character::isDigit)
                    && number.length() <= 4) {
                return gpu(Integer.parseInt(number), gpuCount, spec);
            }
        }
        throw new IllegalArgumentException(
                "Expected a device cpu|gpu|gpu:N|auto, found '" + spec + "'");
    }

    /**
     * A short stable description for logs and JSON reports: {@code cpu} or {@code gpu:N}.
     *
     * @param device the device
     * @return the description
     */
    public static String describe(Device device) {
        Objects.requireNonNull(device, "device");
        if (device.isGpu()) {
            return "gpu:" + device.getDeviceId();
        }
        String type = device.getDeviceType().toLowerCase(Locale.ROOT);
        return device.getDeviceId() > 0 ? type + ":" + device.getDeviceId() : type;
    }

    private static Device gpu(int id, int gpuCount, String spec) {
        if (id >= gpuCount) {
            throw new IllegalArgumentException(
                    "Device '" + spec.trim() + "' requested but the engine reports "
                            + (gpuCount == 0 ? "no GPU" : gpuCount + " GPU(s)")
                            + "; use --device cpu or auto");
        }
        return Device.gpu(id);
    }
}
