package dev.distill.engine.detect.shell;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.fs.Paths;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a {@link StepRule} gets to decide a step: the command, where argv[0] leads in the image, the image itself,
 * the environment that is known when the step runs, and the places the deployment provides.
 *
 * @param program the absolute path argv[0] resolves to in the image, {@code ""} for a builtin or a missing command
 * @param knownEnvironment what the image's configuration sets plus what the script exported by then: the values
 *     a step may depend on and still be done at build time
 * @param deploymentPlaces directories the deployment mounts (the image's {@code VOLUME}s): what a step writes there
 *     is gone from the result unless it runs before each start
 */
public record StepFacts(Step step, String program, DetectionContext context, Map<String, String> knownEnvironment,
        List<String> deploymentPlaces) {

    /** Places every container gets fresh at each start (memory-backed in the result). */
    static final Set<String> RUN_TIME_ROOTS = Set.of("/tmp", "/run", "/var/run", "/dev/shm");

    public StepFacts {
        knownEnvironment = Map.copyOf(knownEnvironment);
        deploymentPlaces = List.copyOf(deploymentPlaces);
    }

    public List<String> argv() {
        return step.argv();
    }

    /** The base name of the program (or of argv[0] when the image lacks it): {@code php8.2}, {@code mkdir}. */
    public String programName() {
        String p = program.isEmpty() ? step.name() : program;
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** An argument as an absolute path: relative ones are taken from the step's working directory. */
    public String path(String argument) {
        if (argument.startsWith("/")) {
            return Paths.normalize(argument);
        }
        String cwd = step.workingDir().isEmpty() ? context.workingDir() : step.workingDir();
        return Paths.normalize(cwd + "/" + argument);
    }

    /** The deployment place {@code path} lies in (it or one of its parents), if any. */
    public Optional<String> deploymentPlace(String path) {
        return deploymentPlaces.stream().map(Paths::normalize).filter(p -> under(path, p)).findFirst();
    }

    /** The run-time place ({@code /tmp}, {@code /run}, ...) {@code path} lies in, if any. */
    public Optional<String> runTimePlace(String path) {
        return RUN_TIME_ROOTS.stream().filter(p -> under(path, p)).findFirst();
    }

    /** The value of a variable when the step runs, if known. */
    public Optional<String> env(String name) {
        String own = step.environment().get(name);
        return Optional.ofNullable(own != null ? own : knownEnvironment.get(name));
    }

    static boolean under(String path, String dir) {
        return path.equals(dir) || dir.equals("/") || path.startsWith(dir + "/");
    }
}
