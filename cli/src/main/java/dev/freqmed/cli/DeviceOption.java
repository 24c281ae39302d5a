package dev.freqmed.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.freqmed.tensor.Devices;
import picocli.CommandLine.Option;

/** The {@code --device} option shared by the commands that run a network (a picocli mixin). */
final class DeviceOption {

    @Option(names = "--device", defaultValue = "auto",
            description = "cpu, gpu, gpu:N or auto (default: ${DEFAULT-VALUE}).")
    String name;

    /**
     * The device named on the command line, on {@code engine}.
     *
     * @throws IllegalArgumentException for an unknown or unavailable device
     */
    Device parse(Engine engine) {
        return Devices.parse(name, engine);
    }

    /** The device named on the command line, on the PyTorch engine. */
    Device parse() {
        return parse(Engine.getEngine("PyTorch"));
    }
}
