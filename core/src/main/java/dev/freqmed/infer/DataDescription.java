package dev.freqmed.infer;

import java.nio.file.Path;

/**
 * Which data a run used, as reports name it.
 *
 * @param name        short name for titles ({@code the bundled PH² sample}, a folder name)
 * @param location    where the data came from (a folder, or "bundled with FreqMed")
 * @param attribution the data set's citation and terms, or {@code null} when unknown (data
 *                    supplied by the user)
 */
public record DataDescription(String name, String location, String attribution) {

    /** Validates. */
    public DataDescription {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("data description needs a name");
        }
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("data description needs a location");
        }
    }

    /** The PH² sample bundled with FreqMed (160 dermoscopic images with lesion masks). */
    public static DataDescription bundledPh2Sample() {
        return new DataDescription("the bundled PH² sample", "bundled with FreqMed",
                "PH² dermoscopic image database (Universidade do Porto / Hospital Pedro"
                        + " Hispano). T. Mendonça et al., \"PH² – A dermoscopic"
                        + " image database for research and benchmarking\", IEEE EMBC 2013,"
                        + " doi:10.1109/EMBC.2013.6610779. Research and benchmarking use only.");
    }

    /** A data set folder supplied by the user; its terms are not known here. */
    public static DataDescription folder(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        Path leaf = abs.getFileName();
        return new DataDescription(leaf == null ? abs.toString() : leaf.toString(), abs.toString(),
                null);
    }
}
