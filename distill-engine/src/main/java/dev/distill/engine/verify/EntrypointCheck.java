package dev.distill.engine.verify;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.Shebang;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.image.ImageConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The command a container starts with (ENTRYPOINT + CMD) can be executed inside the image by its user: argv[0]
 * found like {@code execvp} does (a name through the image's PATH, a relative path from the working directory),
 * executable by that user, and either an ELF file whose loader finds everything, or a {@code #!} script whose
 * interpreter (and {@code env}'s program) passes the same test.
 */
final class EntrypointCheck {

    /** How many interpreters may be nested; Linux gives up with ELOOP beyond a handful. */
    static final int MAX_INTERPRETERS = 4;

    private final ImageFiles files;
    private final ImageConfig config;
    private final ImageUser user;
    private final ElfCheck elf;
    private final List<CheckFinding> findings = new ArrayList<>();

    EntrypointCheck(ImageFiles files, ImageConfig config, ImageUser user, ElfCheck elf) {
        this.files = files;
        this.config = config;
        this.user = user;
        this.elf = elf;
    }

    StaticCheck run() {
        List<String> argv = new ArrayList<>(config.entrypoint());
        argv.addAll(config.cmd());
        if (argv.isEmpty() || argv.get(0).isEmpty()) {
            findings.add(new CheckFinding("", "", "", "the image declares neither ENTRYPOINT nor CMD: nothing to run"));
        } else {
            executable(argv.get(0), "the entrypoint", 0);
        }
        return StaticCheck.of(StaticChecker.ENTRYPOINT, findings);
    }

    /** Checks one program to be executed; {@code depth} counts the interpreters above it. */
    private void executable(String program, String role, int depth) {
        Optional<String> found = find(program);
        if (found.isEmpty()) {
            String where = program.contains("/") ? "" : " on PATH " + String.join(":", searchPath());
            findings.add(new CheckFinding(program.startsWith("/") ? Paths.normalize(program) : "", "", program,
                    role + " '" + program + "' is not found in the image" + where));
            return;
        }
        String path = found.get();
        FileEntry file = files.resolve(path).orElseThrow();
        if (!file.isRegular()) {
            findings.add(files.finding(path, program, role + " " + path + " is not a regular file"));
            return;
        }
        if (!user.resolved() && !file.isExecutable()) {
            findings.add(files.finding(path, program, role + " " + path + " (mode " + String.format("%04o", file.mode())
                    + ") has no execute permission at all"));
        } else if (user.resolved() && !user.canExecute(file)) {
            findings.add(files.finding(path, program, role + " " + path + " (mode " + String.format("%04o", file.mode())
                    + ", owner " + file.uid() + ":" + file.gid() + ") is not executable by the image user '"
                    + user.spec() + "' (uid " + user.uid() + ", groups " + user.gids() + ")"));
        }
        byte[] head;
        try {
            head = files.head(file, Shebang.MAX_LINE);
        } catch (IOException | RuntimeException e) {
            findings.add(files.finding(path, program, role + " " + path + " cannot be read: " + ElfCheck.message(e)));
            return;
        }
        if (ElfFile.isElf(head)) {
            findings.addAll(elf.findings(elf.resolver().resolve(path)));
            return;
        }
        Optional<Shebang> shebang = Shebang.parse(head);
        if (shebang.isEmpty()) {
            findings.add(files.finding(path, program, role + " " + path
                    + " is neither an ELF file nor a #! script: the kernel cannot execute it"));
            return;
        }
        if (depth + 1 > MAX_INTERPRETERS) {
            findings.add(files.finding(path, program, "more than " + MAX_INTERPRETERS + " nested interpreters at " + path));
            return;
        }
        Shebang s = shebang.get();
        // The kernel opens the #! path as written, never through PATH.
        String interpreter = s.interpreter().startsWith("/") ? s.interpreter() : Paths.join(workingDir(), s.interpreter());
        executable(interpreter, "the interpreter of " + path, depth + 1);
        if (s.usesEnv()) {
            Optional<String> envProgram = s.program();
            if (envProgram.isEmpty()) {
                findings.add(files.finding(path, "env", path + " runs env without a program to run"));
            } else {
                executable(envProgram.get(), "the program env runs for " + path, depth + 1);
            }
        }
    }

    /** Finds a program like execvp: a path with a slash as it is, a name in each PATH directory in turn. */
    private Optional<String> find(String program) {
        if (program.contains("/")) {
            String p = program.startsWith("/") ? Paths.normalize(program) : Paths.join(workingDir(), program);
            return files.resolve(p).map(e -> p);
        }
        for (String dir : searchPath()) {
            String p = Paths.join(dir, program);
            Optional<FileEntry> e = files.resolve(p);
            // execvp goes on past a candidate it may not execute.
            if (e.isPresent() && e.get().isRegular() && (user.resolved() ? user.canExecute(e.get()) : e.get().isExecutable())) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private List<String> searchPath() {
        String path = config.envValue("PATH");
        List<String> dirs = new ArrayList<>();
        for (String d : (path == null ? DetectionContext.DEFAULT_PATH : path).split(":", -1)) {
            dirs.add(d.isEmpty() ? workingDir() : d);
        }
        return dirs;
    }

    private String workingDir() {
        return config.workingDir().isEmpty() ? "/" : Paths.normalize(config.workingDir());
    }

    static Map<String, String> environment(ImageConfig config) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (String kv : config.env()) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return env;
    }
}
