package dev.distill.events;

import java.time.Instant;
import java.util.List;

/**
 * The verifier found files a result program needs that its source image has (the program used them in the source's
 * run, or failed to open them in the result's): the builder adds them, with every earlier round's, and builds again
 * (round {@code round}), and the verifier checks the new build. Rounds are bounded by the verifier.
 *
 * @param round the build round asked for, 1 for the first repair
 * @param buildReport where the build report of the round before is (it names the analysis and the source)
 * @param files what to add, per program
 * @param verification where the verifier's report of the round before is
 */
public record RepairRequested(String migrationId, Instant occurredAt, int round, String buildReport,
        List<MissingFile> files, String verification) implements MigrationEvent {

    public RepairRequested {
        MigrationEvent.require(migrationId, "migrationId");
        MigrationEvent.require(buildReport, "buildReport");
        if (round < 1) {
            throw new IllegalArgumentException("a repair round is 1 or more, got " + round);
        }
        files = files == null ? List.of() : List.copyOf(files);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("a repair needs at least one file to add");
        }
    }

    /** A file a program needs, and how the verifier saw it need it (the carried file's reason). */
    public record MissingFile(String program, String path, String seen) {

        public MissingFile {
            MigrationEvent.require(program, "program");
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("a missing file needs an absolute path, got '" + path + "'");
            }
        }
    }
}
