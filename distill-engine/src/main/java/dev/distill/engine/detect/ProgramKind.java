package dev.distill.engine.detect;

import java.util.Optional;

/**
 * One kind of program (php-fpm, nginx, a Python interpreter, supervisord...): the one place that knows how such a
 * program is recognised, what it reads, writes, listens on and switches to. Everything it knows reaches the plan as
 * a typed {@link ProgramProfile}; the planner, the accounts and the runtime detectors iterate over profiles and never
 * name a program.
 *
 * <p>Adding a kind is one package with a class implementing this, listed in the catalog.
 */
public interface ProgramKind {

    /** A short stable name for reports ({@code php-fpm}, {@code python}). */
    String name();

    /**
     * What this kind knows of the program, or empty when the program is not of this kind. Problems with the
     * program's files go into the profile's notes; nothing is thrown for bad image content.
     */
    Optional<ProgramProfile> profile(Launch launch, DetectionContext context);

    /**
     * Whether the analysis should keep this file's content in memory during its one pass over the layers, because
     * this kind reads it (configuration in an odd place, source files it scans for imports). Configuration under
     * {@code /etc} and the usual suffixes are kept anyway.
     */
    default boolean reads(String path) {
        return false;
    }
}
