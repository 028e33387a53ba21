package dev.distill.engine.plan;

import java.util.List;

/**
 * What the source's entrypoint does before its program, step by step, and what the result does instead: steps
 * baked into the result at build time, init programs that run before each start (each planned like a program, for
 * an image of its own), ownership fixes, and what is left to a person.
 *
 * @param shell the shell that runs the baked steps in the source ({@code /bin/sh}), {@code ""} when none are baked
 * @param steps every step, in the order the script runs them
 * @param init the init programs, in the order they run; each step with {@link PrestartStep.Action#INIT} names one
 */
public record PrestartPlan(String shell, List<PrestartStep> steps, List<ProgramPlan> init) {

    public static final PrestartPlan NONE = new PrestartPlan("", List.of(), List.of());

    public PrestartPlan {
        shell = shell == null ? "" : shell;
        steps = steps == null ? List.of() : List.copyOf(steps);
        init = init == null ? List.of() : List.copyOf(init);
        for (PrestartStep s : steps) {
            if (s.action() == PrestartStep.Action.INIT && init.stream().noneMatch(p -> p.name().equals(s.initProgram()))) {
                throw new IllegalArgumentException("the init step at " + s.where() + " names init program "
                        + s.initProgram() + ", which the plan does not have");
            }
        }
        if (steps.stream().anyMatch(s -> s.action() == PrestartStep.Action.BAKE) && shell.isEmpty()) {
            throw new IllegalArgumentException("baked steps need the shell that runs them in the source");
        }
    }

    /** The steps done at build time, in order. */
    public List<PrestartStep> baked() {
        return steps.stream().filter(s -> s.action() == PrestartStep.Action.BAKE).toList();
    }

    /** Every ownership fix, in order. */
    public List<OwnerFix> ownership() {
        return steps.stream().flatMap(s -> s.ownership().stream()).toList();
    }
}
