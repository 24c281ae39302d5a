package dev.freqmed.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code freqmed fewshot}: few-shot volume segmentation tools (FAF-Net). */
@Command(name = "fewshot", mixinStandardHelpOptions = true,
        description = "Few-shot organ segmentation of NIfTI volumes: supervoxel pseudo-labels,"
                + " the cross-validated evaluation protocol, and segmenting a new volume from"
                + " annotated support slices.",
        subcommands = {FewShotSupervoxelsCommand.class, FewShotEvaluateCommand.class,
            FewShotPredictCommand.class})
final class FewShotCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** For tests: the command line of this group. */
    static CommandLine commandLine() {
        return new CommandLine(new FewShotCommand());
    }
}
