package dev.distill.engine.detect.shell;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.identity.Passwd;
import dev.distill.engine.fs.FileEntry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Combines ENTRYPOINT and CMD, resolves argv[0] through the image's PATH and follows shell wrappers: scripts with a
 * shell shebang and {@code sh -c "..."}. A wrapper whose final command is known resolves to its exec form; the
 * commands it runs before that are classified one by one ({@link StepClassifier}: baked at build time, run before
 * each start, decided by who runs it, or for review); a drop to another user ({@code gosu}, {@code setpriv}) is
 * followed as that user, and what needs a shell at run time is a blocker naming the script line.
 */
public final class ShellDetector implements Detector<EntrypointResult> {

    public static final String NAME = "shell";

    /** Programs that read POSIX sh (bash and busybox sh are supersets for what a wrapper uses). */
    static final Set<String> SHELLS = Set.of("sh", "bash", "ash", "dash", "ksh", "mksh", "zsh", "busybox");

    private static final int MAX_HOPS = 8;

    private final StepClassifier classifier;

    /** With the shell package's own knowledge of steps (file setup, templating, dependency waits). */
    public ShellDetector() {
        this(StepClassifier.shellRules());
    }

    /** With these rules for the steps a script runs before its program (frameworks add their own). */
    public ShellDetector(List<StepRule> rules) {
        this.classifier = new StepClassifier(rules);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Detection<EntrypointResult> detect(DetectionContext ctx) {
        Walk w = new Walk(ctx, new Findings(NAME, ctx));
        List<String> declared = new ArrayList<>(ctx.config().entrypoint());
        declared.addAll(ctx.config().cmd());  // Docker: ENTRYPOINT + CMD; CMD alone when there is no ENTRYPOINT
        w.declared = declared;
        if (declared.isEmpty()) {
            w.findings.blocker("", 0, "the image declares neither ENTRYPOINT nor CMD: nothing to run");
            return w.done(EntrypointResult.Verdict.NO_COMMAND, List.of(), "");
        }
        List<String> argv = declared;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            if (argv.size() >= 2 && base(argv.get(0)).equals("busybox") && SHELLS.contains(argv.get(1))) {
                argv = argv.subList(1, argv.size());  // busybox sh ... is sh ...
            }
            String argv0 = argv.get(0);
            boolean shell = SHELLS.contains(base(argv0)) && !base(argv0).equals("busybox");
            ShellInvocation inv = shell ? ShellInvocation.of(argv) : null;
            if (shell && inv == null) {
                w.findings.blocker("", 0, "the container runs the shell " + argv0 + " itself, with no script: "
                        + "there is no program to keep without a shell");
                w.hops.add(new EntrypointResult.Hop(argv, ctx.which(argv0).orElse(""), EntrypointResult.HopKind.OTHER, ""));
                return w.done(EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "");
            }
            if (inv != null && !inv.inline()) {
                // sh [options] script [args...]: follow the script like a program with a shell shebang
                String script = inv.operand();
                Optional<String> sp = ctx.which(script.contains("/") ? script : "./" + script);
                if (sp.isEmpty()) {
                    w.findings.blocker("", 0, base(argv0) + " is given the script '" + script + "', which is not in the image");
                    return w.done(EntrypointResult.Verdict.NOT_FOUND, argv, "");
                }
                w.hops.add(new EntrypointResult.Hop(argv, sp.get(), EntrypointResult.HopKind.SHELL_SCRIPT,
                        ctx.which(argv0).orElse(argv0)));
                Optional<TextFile> text = ctx.readText(sp.get(), w.findings);
                Optional<List<String>> next = text.flatMap(t -> w.script(t.content(), sp.get(), sp.get(), script, inv.args()));
                if (next.isEmpty()) {
                    return w.done(EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "");
                }
                argv = next.get();
                continue;
            }
            // sh -c "script" [name [args...]]
            if (inv != null) {
                String shellPath = ctx.which(argv0).orElse(argv0);
                w.hops.add(new EntrypointResult.Hop(argv, "", EntrypointResult.HopKind.SHELL_C, shellPath));
                String name = inv.args().isEmpty() ? argv0 : inv.args().get(0);
                List<String> args = inv.args().size() > 1 ? inv.args().subList(1, inv.args().size()) : List.of();
                Optional<List<String>> next = w.script(inv.operand(), "", "the inline script of " + base(argv0) + " -c",
                        name, args);
                if (next.isEmpty()) {
                    return w.done(EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "");
                }
                argv = next.get();
                continue;
            }
            Optional<String> path = ctx.which(argv0);
            if (path.isEmpty()) {
                w.findings.blocker("", 0, "'" + argv0 + "' is not found in the image"
                        + (argv0.contains("/") ? "" : " on PATH " + String.join(":", ctx.searchPath())));
                return w.done(EntrypointResult.Verdict.NOT_FOUND, argv, "");
            }
            String p = path.get();
            FileEntry file = ctx.resolve(p).orElseThrow();
            if (ctx.isElf(file)) {
                w.hops.add(new EntrypointResult.Hop(argv, p, EntrypointResult.HopKind.ELF, ""));
                EntrypointResult.Verdict v = hop == 0 ? EntrypointResult.Verdict.EXEC : EntrypointResult.Verdict.RESOLVED;
                w.findings.info(p, "the container runs " + p + " (ELF) as " + argv);
                return w.done(v, argv, p);
            }
            String head = new String(ctx.head(file, 256), StandardCharsets.UTF_8);
            if (!head.startsWith("#!")) {
                w.findings.warning(p, "'" + argv0 + "' resolves to " + p + ", which is neither ELF nor a script with a shebang");
                w.hops.add(new EntrypointResult.Hop(argv, p, EntrypointResult.HopKind.OTHER, ""));
                return w.done(EntrypointResult.Verdict.UNKNOWN, argv, p);
            }
            String shebang = head.substring(2, head.contains("\n") ? head.indexOf('\n') : head.length()).trim();
            String[] sb = shebang.split("[ \t]+", 2);
            String interpreter = sb[0];
            String interpArg = sb.length > 1 ? sb[1].trim() : "";
            String language = base(interpreter).equals("env") && !interpArg.isEmpty()
                    ? interpArg.split("[ \t]+")[0] : base(interpreter);
            if (!SHELLS.contains(language)) {
                w.hops.add(new EntrypointResult.Hop(argv, p, EntrypointResult.HopKind.INTERPRETED_SCRIPT, shebang));
                w.findings.add(Finding.Kind.INFO, p, 1, p + " is a " + language + " script: it needs the interpreter " + shebang,
                        Map.of("interpreter", shebang));
                return w.done(EntrypointResult.Verdict.INTERPRETED, argv, p);
            }
            w.hops.add(new EntrypointResult.Hop(argv, p, EntrypointResult.HopKind.SHELL_SCRIPT, shebang));
            Optional<TextFile> text = ctx.readText(p, w.findings);
            if (text.isEmpty()) {
                return w.done(EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "");
            }
            List<String> scriptArgs = argv.subList(1, argv.size());
            Optional<List<String>> next = w.script(text.get().content(), p, p, argv0, scriptArgs);
            if (next.isEmpty()) {
                return w.done(EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "");
            }
            w.findings.add(Finding.Kind.INFO, p, 0, p + " is an exec wrapper: with arguments " + scriptArgs
                    + " it runs " + next.get() + stepCount(w, p), Map.of("command", String.join(" ", next.get())));
            argv = next.get();
        }
        w.findings.blocker("", 0, "more than " + MAX_HOPS + " wrappers in a row");
        return w.done(EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "");
    }

    private static String stepCount(Walk w, String script) {
        long n = w.steps.stream().filter(s -> s.script().equals(script)).count();
        return n == 0 ? " (a trivial exec wrapper)" : " after " + n + " step" + (n == 1 ? "" : "s");
    }

    /** The state of one walk from the declared command to the program. */
    private final class Walk {
        final DetectionContext ctx;
        final Findings findings;
        final Map<String, String> configEnv = new LinkedHashMap<>();
        List<String> declared = List.of();
        final List<EntrypointResult.Hop> hops = new ArrayList<>();
        final Map<String, String> env = new LinkedHashMap<>();
        final List<EntrypointResult.Blocker> blockers = new ArrayList<>();
        final List<Tagged> steps = new ArrayList<>();
        EntrypointResult.RunAs runAs;
        ScriptUser identity;
        String workingDir = "";

        /** A step, the script it is in and who runs it there. */
        record Tagged(String script, Step step, ScriptUser who) {
        }

        Walk(DetectionContext ctx, Findings findings) {
            this.ctx = ctx;
            this.findings = findings;
            for (String kv : ctx.config().env()) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    configEnv.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            this.identity = identityOf(ctx.config().user());
        }

        /**
         * Follows one script: the command it ends in (after a drop to another user, followed as that user), or empty
         * when it needs a shell (its blockers recorded).
         *
         * @param path the script's path, {@code ""} for an inline one
         * @param what how to name it in a finding
         */
        Optional<List<String>> script(String text, String path, String what, String name, List<String> args) {
            Optional<ScriptAnalysis> first = analyze(text, path, name, args, identity);
            if (first.isEmpty() || !first.get().resolved()) {
                first.ifPresent(x -> block(x, path, what));
                return Optional.empty();
            }
            ScriptAnalysis a = first.get();
            notes(a, path);
            List<Tagged> kept = new ArrayList<>();
            ScriptUser runner = identity;
            a.steps().forEach(s -> kept.add(new Tagged(path, s, runner)));
            List<String> command = a.command();
            Optional<PrivilegeDrop> drop = PrivilegeDrop.of(command);
            if (drop.isPresent()) {
                ScriptUser to = identityOf(drop.get().user() + (drop.get().group() == null ? "" : ":" + drop.get().group()));
                if (to == null) {
                    findings.blocker(path, 0, what + " drops to user '" + drop.get().user() + "' with " + drop.get().tool()
                            + ", which the image's /etc/passwd does not name");
                    blockers.add(new EntrypointResult.Blocker(path, 0, "drops to an unknown user " + drop.get().user()));
                    return Optional.empty();
                }
                String home = passwd().user(String.valueOf(to.uid())).map(Passwd.User::home).orElse("");
                runAs = new EntrypointResult.RunAs(to.user(), to.uid(), to.group(), to.gid(), home,
                        drop.get().tool() + (path.isEmpty() ? "" : " in " + path));
                command = drop.get().command();
                if (reexecutes(command.get(0), path, name)) {
                    // The script runs itself again as that user: follow that second run, which is the result's. What
                    // the first run did only because root ran it (its ownership fixes) stays, decided by who runs it.
                    Optional<ScriptAnalysis> second = analyze(text, path, command.get(0), command.subList(1, command.size()), to);
                    if (second.isEmpty() || !second.get().resolved()) {
                        second.ifPresent(x -> block(x, path, what + " (run again as " + to.user() + ")"));
                        return Optional.empty();
                    }
                    notes(second.get(), path);
                    kept.removeIf(t -> !t.step().identityBranch());
                    second.get().steps().forEach(s -> kept.add(new Tagged(path, s, to)));
                    a = second.get();
                    command = a.command();
                }
                identity = to;
                findings.add(Finding.Kind.INFO, path, 0, what + " drops to " + to.user() + " (" + to.uid() + ":" + to.gid()
                        + ") with " + drop.get().tool() + " before " + command + ": the result runs as that user from the"
                        + " start", Map.of("user", to.user()));
            }
            env.putAll(a.environment());
            if (!a.workingDir().isEmpty() && !a.workingDir().equals(ctx.workingDir())) {
                workingDir = a.workingDir();
            }
            steps.addAll(kept);
            return Optional.of(command);
        }

        private boolean reexecutes(String argv0, String path, String name) {
            if (path.isEmpty()) {
                return false;
            }
            return argv0.equals(name) || argv0.equals(path) || ctx.which(argv0).map(path::equals).orElse(false);
        }

        private Optional<ScriptAnalysis> analyze(String text, String path, String name, List<String> args, ScriptUser who) {
            try {
                return Optional.of(ScriptAnalyzer.analyze(ShellLexer.tokenize(text), name, args,
                        new ScriptAnalyzer.Context(configEnv, ctx.workingDir(), who)));
            } catch (ShellSyntaxException e) {
                findings.add(Finding.Kind.ERROR, path, e.line(), "cannot tokenize " + (path.isEmpty() ? "the inline script" : path)
                        + ": " + e.getMessage(), Map.of());
                return Optional.empty();
            }
        }

        private void block(ScriptAnalysis a, String path, String what) {
            for (ScriptAnalysis.Issue issue : a.blockers()) {
                blockers.add(new EntrypointResult.Blocker(path, issue.line(), issue.reason()));
                findings.blocker(path, issue.line(), what + " needs a shell: " + issue.reason() + " (line " + issue.line() + ")");
            }
        }

        private void notes(ScriptAnalysis a, String path) {
            for (ScriptAnalysis.Issue n : a.notes()) {
                findings.add(Finding.Kind.INFO, path, n.line(), "the wrapper " + n.reason() + "; the exec form will not", Map.of());
            }
        }

        /**
         * Who a user spec ({@code ""}, {@code name}, {@code uid}, {@code name:group}) is in this image, by the one
         * resolution of {@link Identity#resolve}; null when the image does not know the user or group.
         */
        ScriptUser identityOf(String spec) {
            Identity id;
            try {
                id = Identity.resolve(spec, passwd());
            } catch (IllegalArgumentException e) {
                return null;
            }
            String group = passwd().group(String.valueOf(id.gid())).map(Passwd.Group::name).orElse(String.valueOf(id.gid()));
            return new ScriptUser(id.uid(), id.gid(), id.name().isEmpty() ? String.valueOf(id.uid()) : id.name(), group,
                    ScriptUser.DEFAULT_UMASK);
        }

        private Passwd passwd;

        Passwd passwd() {
            if (passwd == null) {
                passwd = accounts(ctx, findings);
            }
            return passwd;
        }

        Detection<EntrypointResult> done(EntrypointResult.Verdict verdict, List<String> command, String program) {
            List<StartupStep> classified = new ArrayList<>();
            if (verdict == EntrypointResult.Verdict.EXEC || verdict == EntrypointResult.Verdict.RESOLVED
                    || verdict == EntrypointResult.Verdict.INTERPRETED) {
                for (Tagged t : steps) {
                    StartupStep s = classifier.classify(t.script(), t.step(), t.who(), ctx, configEnv,
                            ctx.config().volumes());
                    classified.add(s);
                    report(s);
                }
            }
            return findings.done(new EntrypointResult(declared, verdict, command, program, hops, env, blockers, classified,
                    runAs, workingDir));
        }

        private void report(StartupStep s) {
            Map<String, String> data = Map.of("action", s.action().name(), "command", s.step().text());
            String text = s.step().text() + ": " + s.reason();
            switch (s.action()) {
                case BAKE -> findings.add(Finding.Kind.INFO, s.script(), s.step().line(), "baked at build time: " + text, data);
                case INIT -> findings.add(Finding.Kind.INFO, s.script(), s.step().line(), "run before each start: " + text, data);
                case IDENTITY -> findings.add(s.reproduced() ? Finding.Kind.INFO : Finding.Kind.WARNING, s.script(),
                        s.step().line(), "decided by who runs it: " + text, data);
                case REVIEW -> findings.add(Finding.Kind.WARNING, s.script(), s.step().line(), "needs review: " + text, data);
                case BLOCK -> {
                    blockers.add(new EntrypointResult.Blocker(s.script(), s.step().line(), s.reason()));
                    findings.add(Finding.Kind.BLOCKER, s.script(), s.step().line(), "cannot be reproduced without a shell: "
                            + text, data);
                }
                default -> throw new IllegalStateException("unknown step action " + s.action());
            }
        }
    }

    /**
     * A shell's command line: options, then with {@code -c} the script text, else a script file, then the
     * arguments. Null from {@link #of} when the shell is interactive (no operand).
     */
    record ShellInvocation(boolean inline, String operand, List<String> args) {
        static ShellInvocation of(List<String> argv) {
            boolean inline = false;
            int i = 1;
            for (; i < argv.size(); i++) {
                String a = argv.get(i);
                if (a.equals("--")) {
                    i++;
                    break;
                }
                if (a.equals("-o") || a.equals("+o")) {
                    i++;
                    continue;
                }
                if (!(a.startsWith("-") || a.startsWith("+")) || a.length() < 2) {
                    break;
                }
                if (a.startsWith("-") && a.indexOf('c') > 0) {
                    inline = true;
                }
            }
            if (i >= argv.size()) {
                return null;
            }
            return new ShellInvocation(inline, argv.get(i), List.copyOf(argv.subList(i + 1, argv.size())));
        }
    }

    /** The image's accounts, from {@code /etc/passwd} and {@code /etc/group} (missing ones count as empty). */
    static Passwd accounts(DetectionContext ctx, Findings findings) {
        String p = ctx.entry("/etc/passwd").isPresent()
                ? ctx.readText("/etc/passwd", findings).map(TextFile::content).orElse("") : "";
        String g = ctx.entry("/etc/group").isPresent()
                ? ctx.readText("/etc/group", findings).map(TextFile::content).orElse("") : "";
        return Passwd.parse(p, g, new ArrayList<>());
    }

    static String base(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
