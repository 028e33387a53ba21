package dev.distill.engine.plan;

import java.util.List;

/**
 * The plan for a whole image: one program plan per program (one for a plain entrypoint, one per supervisord
 * program; {@link ProgramRole#INIT} programs for what an entrypoint ran before its program each time it started),
 * the build steps the builder runs once in the source, and image-wide blockers such as an entrypoint that needs a
 * shell.
 */
public record MigrationPlan(List<ProgramPlan> programs, List<PlanNote> blockers, List<PlanNote> warnings,
        List<BuildStep> buildSteps) {

    public MigrationPlan {
        programs = programs == null ? List.of() : List.copyOf(programs);
        blockers = blockers == null ? List.of() : List.copyOf(blockers);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        buildSteps = buildSteps == null ? List.of() : List.copyOf(buildSteps);
    }

    public MigrationPlan(List<ProgramPlan> programs, List<PlanNote> blockers, List<PlanNote> warnings) {
        this(programs, blockers, warnings, List.of());
    }

    /** The same plan with other programs (a repair round, programs as built). */
    public MigrationPlan withPrograms(List<ProgramPlan> newPrograms) {
        return new MigrationPlan(newPrograms, blockers, warnings, buildSteps);
    }

    /** The worst of the image-wide notes and every program's classification; blocked when there is no program. */
    public Classification classification() {
        Classification c = !blockers.isEmpty() || programs.isEmpty() ? Classification.BLOCKED
                : warnings.isEmpty() ? Classification.MIGRATABLE : Classification.NEEDS_REVIEW;
        for (ProgramPlan p : programs) {
            c = c.and(p.classification());
        }
        return c;
    }
}
