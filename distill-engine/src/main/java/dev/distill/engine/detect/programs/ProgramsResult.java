package dev.distill.engine.detect.programs;

import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramProfile;
import java.util.List;

/**
 * The programs the image runs, each as it is launched and with what the program kinds know of it. A process
 * manager (supervisord) is not among them: the programs it runs are.
 *
 * @param programs in the order the image starts them
 * @param replaced the process managers the programs replace, for reports
 * @param inits the programs of the entrypoint's steps that run before each start, in the order the script runs them
 */
public record ProgramsResult(List<Program> programs, List<Replaced> replaced, List<Init> inits) {

    public static final ProgramsResult NONE = new ProgramsResult(List.of(), List.of(), List.of());

    public ProgramsResult {
        programs = List.copyOf(programs);
        replaced = List.copyOf(replaced);
        inits = inits == null ? List.of() : List.copyOf(inits);
    }

    /** Programs without entrypoint steps run before them. */
    public ProgramsResult(List<Program> programs, List<Replaced> replaced) {
        this(programs, replaced, List.of());
    }

    /**
     * An entrypoint step that must run before each start, as a program of its own (an init container).
     *
     * @param step the step, with where it is and why it runs before each start
     */
    public record Init(dev.distill.engine.detect.shell.StartupStep step, Program program) {
    }

    /**
     * One program.
     *
     * @param name a name fit for an image tag and a container ({@code php-fpm}, {@code gunicorn}, the supervisord
     *     program's name)
     * @param stopSignal the signal that stops it as the source stopped it (supervisord's {@code stopsignal}, the image's
     *     {@code STOPSIGNAL}), else its kind's graceful one; null for the runtime's default
     * @param profile what its kinds know; a program no kind knows has an empty profile of kind {@code program}
     */
    public record Program(String name, Launch launch, ProgramProfile profile, String stopSignal) {
    }

    /** A process manager replaced by its programs. */
    public record Replaced(Launch launch, String kind, List<String> programs) {
        public Replaced {
            programs = List.copyOf(programs);
        }
    }
}
