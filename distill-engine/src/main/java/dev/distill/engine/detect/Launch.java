package dev.distill.engine.detect;

import dev.distill.engine.fs.Paths;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the image starts one program, in exec form: what a {@link ProgramKind} is shown to decide whether the program
 * is of its kind and what it needs.
 *
 * @param argv the command line; {@code argv[0]} is the program as found on the image's PATH (links not followed),
 *     and for a script run through its {@code #!} line, the interpreter followed by the script and its arguments
 * @param executable the image path {@code argv[0]} names, {@code ""} when it is not in the image
 * @param script the {@code #!} script the launch came through ({@code /usr/bin/gunicorn}), {@code ""} when none
 * @param user the user the source runs it as, as written ({@code ""}: the runtime's default, root)
 * @param workingDir the directory it starts in (absolute)
 * @param env {@code NAME=value}, the image's environment with what the launcher adds
 * @param origin where the program comes from, for reports ({@code the image's entrypoint},
 *     {@code supervisord program worker (/etc/supervisor/conf.d/worker.conf:3)})
 */
public record Launch(List<String> argv, String executable, String script, String user, String workingDir,
        List<String> env, String origin) {

    /** Directories that hold the system, never an application's own files. */
    public static final Set<String> SYSTEM_DIRECTORIES = Set.of("/", "/bin", "/sbin", "/lib", "/lib64", "/usr",
            "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/local", "/usr/local/bin", "/usr/local/sbin", "/etc", "/var",
            "/root", "/tmp", "/home", "/run", "/var/run");

    public Launch {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a launch needs a command line (origin " + origin + ")");
        }
        executable = executable == null ? "" : executable;
        script = script == null ? "" : script;
        user = user == null ? "" : user.strip();
        workingDir = workingDir == null || workingDir.isEmpty() ? "/" : Paths.normalize(workingDir);
        env = List.copyOf(env);
        origin = Objects.requireNonNullElse(origin, "");
    }

    /** The arguments after {@code argv[0]}. */
    public List<String> arguments() {
        return argv.subList(1, argv.size());
    }

    /** The file name of the executable (or of {@code argv[0]} when it is not in the image). */
    public String executableName() {
        return Paths.name(executable.isEmpty() ? argv.get(0) : executable);
    }

    /** The file name of the script, {@code ""} without one. */
    public String scriptName() {
        return script.isEmpty() ? "" : Paths.name(script);
    }

    /** An environment variable of the launch (the last definition wins), or null. */
    public String env(String name) {
        String value = null;
        for (String e : env) {
            if (e.startsWith(name + "=")) {
                value = e.substring(name.length() + 1);
            }
        }
        return value;
    }

    /** A path as the program sees it: absolute as it is, relative against the working directory. */
    public String absolute(String path) {
        return path.startsWith("/") ? Paths.normalize(path) : Paths.join(workingDir, path);
    }

    /** Whether a directory holds the system rather than an application. */
    public static boolean isSystemDirectory(String dir) {
        return SYSTEM_DIRECTORIES.contains(Paths.normalize(dir));
    }
}
