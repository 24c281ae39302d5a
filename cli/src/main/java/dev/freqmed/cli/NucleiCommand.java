package dev.freqmed.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code freqmed nuclei}: nucleus dataset and result tools. */
@Command(name = "nuclei", mixinStandardHelpOptions = true,
        description = "Nucleus data and results: cut labelled tiles into HDF5 training patches; "
                + "report counts, densities and IHC positivity of predicted nuclei.",
        subcommands = {NucleiPatchesCommand.class, NucleiReportCommand.class})
public final class NucleiCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
