package dev.distill.engine.detect.programs;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.shell.EntrypointResult;
import dev.distill.engine.detect.shell.ShellDetector;
import dev.distill.engine.detect.shell.StartupStep;
import dev.distill.engine.detect.shell.StepAction;
import dev.distill.engine.elf.Shebang;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the programs the image runs and asks every {@link ProgramKind} of the context about each: the entrypoint's
 * final program in exec form, and where that program is a process manager, the programs it runs instead. A script
 * run through its {@code #!} line becomes exec form on its interpreter ({@code /usr/bin/gunicorn ...} is
 * {@code /usr/bin/python3 /usr/bin/gunicorn ...}; {@code #!/usr/bin/env python3} looks {@code python3} up on PATH), so
 * that the interpreter is what the result runs and carries.
 */
public final class ProgramsDetector implements Detector<ProgramsResult> {

    public static final String NAME = "programs";

    /** Interpreters of shell scripts: a script for one of them needs a shell, which is what the shell detector judges. */
    static final Set<String> SHELLS = Set.of("sh", "bash", "ash", "dash", "ksh", "mksh", "zsh", "busybox");
    /** How many process managers deep the search goes (supervisord running supervisord...). */
    private static final int MAX_DEPTH = 4;
    /** How many {@code #!} scripts in a row (Linux allows a few; more is a loop). */
    private static final int MAX_SCRIPTS = 4;
    /** An init program's name stays short enough for a tag and a container name. */
    private static final int MAX_INIT_NAME = 40;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Detection<ProgramsResult> detect(DetectionContext ctx) {
        Findings findings = new Findings(NAME, ctx);
        EntrypointResult entry = ctx.run(new ShellDetector()).result();
        List<String> argv = switch (entry.verdict()) {
            case EXEC, RESOLVED, INTERPRETED, UNKNOWN -> entry.command();
            case NEEDS_SHELL -> afterTheWrapper(ctx, entry, findings);
            default -> List.of();  // no command, or not found: the shell detector's blocker says so
        };
        List<ProgramsResult.Program> programs = new ArrayList<>();
        List<ProgramsResult.Replaced> replaced = new ArrayList<>();
        List<ProgramsResult.Init> inits = new ArrayList<>();
        if (!argv.isEmpty()) {
            List<String> env = new ArrayList<>(ctx.config().env());
            entry.environment().forEach((k, v) -> env.add(k + "=" + v));
            // A wrapper that drops to another user (gosu, setpriv) or changes directory does so for all it starts.
            String user = entry.runAs() != null ? entry.runAs().user() : ctx.config().user();
            String workingDir = entry.workingDir().isEmpty() ? ctx.workingDir() : entry.workingDir();
            Launch root = launch(ctx, argv, user, workingDir, env, "the image's entrypoint", findings);
            String stop = ctx.config().stopSignal() == null || ctx.config().stopSignal().isEmpty() ? null : ctx.config().stopSignal();
            expand(ctx, root, name(root), stop, true, 0, programs, replaced, findings);
            inits(ctx, entry, programs, inits, findings);
        }
        return findings.done(new ProgramsResult(programs, replaced, inits));
    }

    /**
     * The entrypoint's steps that run before each start, each as a program of its own: its command in exec form
     * ({@code argv[0]} as found), run as the script ran it, where and with what the script had exported.
     */
    private void inits(DetectionContext ctx, EntrypointResult entry, List<ProgramsResult.Program> programs,
            List<ProgramsResult.Init> inits, Findings findings) {
        Set<String> taken = new java.util.HashSet<>();
        programs.forEach(p -> taken.add(p.name()));
        for (StartupStep s : entry.steps()) {
            if (s.action() != StepAction.INIT) {
                continue;
            }
            List<String> env = new ArrayList<>(ctx.config().env());
            s.step().environment().forEach((k, v) -> env.add(k + "=" + v));
            String cwd = s.step().workingDir().isEmpty() ? ctx.workingDir() : s.step().workingDir();
            Launch launch = launch(ctx, s.step().argv(), s.user(), cwd, env, "the entrypoint's step at " + s.where(), findings);
            String name = initName(s.step().argv(), taken);
            taken.add(name);
            inits.add(new ProgramsResult.Init(s, new ProgramsResult.Program(name, launch, profile(ctx, launch, findings),
                    null)));
            findings.add(Finding.Kind.INFO, launch.executable(), 0, "init program " + name + " runs " + launch.argv()
                    + " before each start, as the entrypoint did at " + s.where(), Map.of("program", name));
        }
    }

    /** {@code init-php-artisan-migrate}: the command's first words, unique among the programs' names. */
    static String initName(List<String> argv, Set<String> taken) {
        StringBuilder name = new StringBuilder("init");
        for (String word : argv.subList(0, Math.min(3, argv.size()))) {
            if (word.startsWith("-")) {
                break;
            }
            String part = Paths.name(Paths.normalize("/" + word)).toLowerCase(java.util.Locale.ROOT)
                    .replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
            if (!part.isEmpty() && name.length() + part.length() + 1 <= MAX_INIT_NAME) {
                name.append('-').append(part);
            }
        }
        String base = name.toString();
        String candidate = base;
        for (int n = 2; taken.contains(candidate); n++) {
            candidate = base + "-" + n;
        }
        return candidate;
    }

    /** What every kind of the context says of a launch, joined; a process manager's word alone. */
    private static ProgramProfile profile(DetectionContext ctx, Launch launch, Findings findings) {
        List<ProgramProfile> profiles = new ArrayList<>();
        for (ProgramKind kind : ctx.kinds()) {
            try {
                Optional<ProgramProfile> p = kind.profile(launch, ctx);
                p.ifPresent(profiles::add);
                if (p.isPresent() && p.get().supervises()) {
                    // A process manager is replaced by its programs: what other kinds know of it does not matter.
                    return p.get();
                }
            } catch (RuntimeException e) {
                findings.add(Finding.Kind.ERROR, launch.executable(), 0, "program kind " + kind.name() + " failed on "
                        + launch.argv() + ": " + e, Map.of("exception", e.getClass().getName()));
            }
        }
        return profiles.isEmpty() ? ProgramProfile.builder("program").build() : ProgramProfile.merge(profiles);
    }

    /**
     * An entrypoint that needs a shell is blocked, but what it would exec is still worth planning, so a person sees
     * everything else that would migrate: the declared command's first word after the wrapper that is a program of
     * the image (the {@code exec "$@"} of nearly every wrapper).
     */
    private static List<String> afterTheWrapper(DetectionContext ctx, EntrypointResult entry, Findings findings) {
        List<String> declared = entry.declared();
        for (int i = 1; i < declared.size(); i++) {
            if (ctx.which(declared.get(i)).isPresent()) {
                List<String> argv = declared.subList(i, declared.size());
                findings.info("", "the entrypoint needs a shell (see the shell detector's blockers); planned as what it"
                        + " would run in the end, " + argv);
                return argv;
            }
        }
        return List.of();
    }

    private void expand(DetectionContext ctx, Launch launch, String name, String stopSignal, boolean imageSignal, int depth,
            List<ProgramsResult.Program> programs, List<ProgramsResult.Replaced> replaced, Findings findings) {
        ProgramProfile profile = profile(ctx, launch, findings);
        for (ProgramProfile.Note n : profile.notes()) {
            findings.add(n.kind(), n.path(), n.line(), profile.kind() + ": " + n.reason(), Map.of("program", name));
        }
        if (profile.supervises() && depth < MAX_DEPTH) {
            List<String> names = new ArrayList<>();
            for (ProgramProfile.Child child : profile.children()) {
                List<String> env = new ArrayList<>(launch.env());
                child.environment().forEach((k, v) -> env.add(k + "=" + v));
                String origin = profile.kind() + " program " + child.name() + " (" + child.file() + ":" + child.line() + ")";
                Launch childLaunch = launch(ctx, child.argv(), child.user(), child.workingDir(), env, origin, findings);
                String childName = sanitize(child.name());
                names.add(childName);
                expand(ctx, childLaunch, childName, signal(child.stopSignal()), false, depth + 1, programs, replaced, findings);
            }
            replaced.add(new ProgramsResult.Replaced(launch, profile.kind(), names));
            return;
        }
        // The source's own choice first (the image's STOPSIGNAL for its entrypoint, supervisord's stopsignal=), then
        // the kind's graceful signal; a supervisord program without either got supervisord's TERM.
        String stop = stopSignal != null ? stopSignal : profile.stopSignal() != null ? profile.stopSignal()
                : imageSignal ? null : "SIGTERM";
        programs.add(new ProgramsResult.Program(name, launch, profile, stop));
        findings.add(Finding.Kind.INFO, launch.executable(), 0, "program " + name + " (" + launch.origin() + ") runs "
                + launch.argv() + (launch.user().isEmpty() ? "" : " as " + launch.user()) + "; known to: " + profile.kind(),
                Map.of("program", name, "kind", profile.kind()));
    }

    /**
     * The launch of a command line: {@code argv[0]} found on the image's PATH, and a {@code #!} script for an
     * interpreter other than a shell turned into exec form on that interpreter, as the kernel would run it.
     */
    static Launch launch(DetectionContext ctx, List<String> argv, String user, String workingDir, List<String> env,
            String origin, Findings findings) {
        List<String> line = new ArrayList<>(argv);
        String script = "";
        for (int hop = 0; hop < MAX_SCRIPTS; hop++) {
            Optional<String> found = ctx.which(line.get(0));
            if (found.isEmpty()) {
                return new Launch(line, "", script, user, workingDir, env, origin);
            }
            String path = found.get();
            line.set(0, path);
            FileEntry file = ctx.resolve(path).orElseThrow();
            if (ctx.isElf(file)) {
                return new Launch(line, path, script, user, workingDir, env, origin);
            }
            Optional<Shebang> shebang = Shebang.parse(ctx.head(file, Shebang.MAX_LINE));
            if (shebang.isEmpty()) {
                return new Launch(line, path, script, user, workingDir, env, origin);
            }
            Shebang s = shebang.get();
            Optional<String> interpreter = s.program();
            if (interpreter.isEmpty() || SHELLS.contains(Paths.name(interpreter.get()))) {
                // A shell script: whether it can do without a shell is the shell detector's call, not this one's.
                return new Launch(line, path, script, user, workingDir, env, origin);
            }
            Optional<String> interpreterPath = s.usesEnv() ? ctx.which(interpreter.get())
                    : ctx.resolve(interpreter.get()).map(e -> interpreter.get());
            if (interpreterPath.isEmpty()) {
                // Not a blocker by itself: a process manager run through a missing interpreter is replaced anyway.
                findings.warning(path, path + " is a script for " + interpreter.get() + ", which is not in the image"
                        + (s.usesEnv() ? " on PATH " + String.join(":", ctx.searchPath()) : ""));
                return new Launch(line, "", path, user, workingDir, env, origin);
            }
            List<String> exec = new ArrayList<>();
            exec.add(interpreterPath.get());
            exec.addAll(s.programArguments());
            exec.add(path);
            exec.addAll(line.subList(1, line.size()));
            findings.add(Finding.Kind.INFO, path, 1, path + " is a script for " + interpreterPath.get() + " (#!"
                    + s.interpreter() + (s.argument() == null ? "" : " " + s.argument()) + "): the result runs it in exec form"
                    + " as " + exec, Map.of("interpreter", interpreterPath.get()));
            script = path;
            line = exec;
        }
        findings.blocker(script, 1, "more than " + MAX_SCRIPTS + " #! scripts in a row starting at " + argv.get(0));
        return new Launch(line, "", script, user, workingDir, env, origin);
    }

    /** The entrypoint program's name: the script's file name when it is one, else the executable's. */
    private static String name(Launch launch) {
        String n = !launch.script().isEmpty() ? launch.scriptName() : launch.executableName();
        return n.isEmpty() ? "app" : sanitize(n);
    }

    static String sanitize(String name) {
        return name.replaceAll("[^A-Za-z0-9_.-]", "-");
    }

    /** {@code SIGQUIT} for {@code QUIT}; null for nothing. */
    private static String signal(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        String upper = s.strip().toUpperCase(java.util.Locale.ROOT);
        return upper.matches("[0-9]+") || upper.startsWith("SIG") ? upper : "SIG" + upper;
    }
}
