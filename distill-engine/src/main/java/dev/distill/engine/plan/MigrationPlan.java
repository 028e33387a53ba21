package dev.distill.engine.plan;

import java.util.List;

/**
 * The plan for a whole image: one program plan per program (one for a plain entrypoint, one per supervisord
 * program), what the entrypoint does before them ({@link PrestartPlan}: steps baked at build time, and
 * {@link ProgramRole#INIT} programs for those it ran before its program each time it started), and image-wide
 * blockers such as an entrypoint that needs a shell.
 */
public record MigrationPlan(List<ProgramPlan> programs, List<PlanNote> blockers, List<PlanNote> warnings,
        PrestartPlan prestart) {

    public MigrationPlan {
        programs = programs == null ? List.of() : List.copyOf(programs);
        blockers = blockers == null ? List.of() : List.copyOf(blockers);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        prestart = prestart == null ? PrestartPlan.NONE : prestart;
    }

    /** A plan whose entrypoint runs nothing before its programs. */
    public MigrationPlan(List<ProgramPlan> programs, List<PlanNote> blockers, List<PlanNote> warnings) {
        this(programs, blockers, warnings, PrestartPlan.NONE);
    }

    /** The same plan with other programs (the init programs stay). */
    public MigrationPlan withPrograms(List<ProgramPlan> other) {
        return new MigrationPlan(other, blockers, warnings, prestart);
    }

    /** The worst of the image-wide notes and every program's classification; blocked when there is no program. */
    public Classification classification() {
        Classification c = !blockers.isEmpty() || programs.isEmpty() ? Classification.BLOCKED
                : warnings.isEmpty() ? Classification.MIGRATABLE : Classification.NEEDS_REVIEW;
        for (ProgramPlan p : programs) {
            c = c.and(p.classification());
        }
        for (ProgramPlan p : prestart.init()) {
            c = c.and(p.classification());
        }
        return c;
    }
}
