package dev.distill.engine.detect.shell;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import dev.distill.engine.fs.FileEntry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Combines ENTRYPOINT and CMD, resolves argv[0] through the image's PATH and follows shell wrappers:
 * scripts with a shell shebang and {@code sh -c "..."}. A trivial exec wrapper resolves to the exec form of
 * its final command; anything else is a blocker naming the script line.
 */
public final class ShellDetector implements Detector<EntrypointResult> {

    public static final String NAME = "shell";

    /** Programs that read POSIX sh (bash and busybox sh are supersets for what a wrapper uses). */
    static final Set<String> SHELLS = Set.of("sh", "bash", "ash", "dash", "ksh", "mksh", "zsh", "busybox");

    private static final int MAX_HOPS = 8;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Detection<EntrypointResult> detect(DetectionContext ctx) {
        Findings findings = new Findings(NAME, ctx);
        List<String> entrypoint = ctx.config().entrypoint();
        List<String> cmd = ctx.config().cmd();
        List<String> declared = new ArrayList<>(entrypoint);
        declared.addAll(cmd);  // Docker: ENTRYPOINT + CMD; CMD alone when there is no ENTRYPOINT
        List<EntrypointResult.Hop> hops = new ArrayList<>();
        Map<String, String> env = new LinkedHashMap<>();
        List<EntrypointResult.Blocker> blockers = new ArrayList<>();
        if (declared.isEmpty()) {
            findings.blocker("", 0, "the image declares neither ENTRYPOINT nor CMD: nothing to run");
            return findings.done(new EntrypointResult(declared, EntrypointResult.Verdict.NO_COMMAND, List.of(), "",
                    hops, env, blockers));
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
                findings.blocker("", 0, "the container runs the shell " + argv0 + " itself, with no script: "
                        + "there is no program to keep without a shell");
                hops.add(new EntrypointResult.Hop(argv, ctx.which(argv0).orElse(""), EntrypointResult.HopKind.OTHER, ""));
                return findings.done(result(declared, EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "", hops, env, blockers));
            }
            if (inv != null && !inv.inline()) {
                // sh [options] script [args...]: follow the script like a program with a shell shebang
                String script = inv.operand();
                Optional<String> sp = ctx.which(script.contains("/") ? script : "./" + script);
                if (sp.isEmpty()) {
                    findings.blocker("", 0, base(argv0) + " is given the script '" + script + "', which is not in the image");
                    return findings.done(result(declared, EntrypointResult.Verdict.NOT_FOUND, argv, "", hops, env, blockers));
                }
                hops.add(new EntrypointResult.Hop(argv, sp.get(), EntrypointResult.HopKind.SHELL_SCRIPT, ctx.which(argv0).orElse(argv0)));
                Optional<ScriptAnalysis> a = ctx.readText(sp.get(), findings)
                        .flatMap(t -> analyze(t.content(), sp.get(), script, inv.args(), findings));
                if (a.isEmpty() || !a.get().resolved()) {
                    a.ifPresent(x -> block(x, sp.get(), sp.get(), blockers, findings));
                    return findings.done(result(declared, EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "", hops, env, blockers));
                }
                notes(a.get(), sp.get(), findings);
                env.putAll(a.get().environment());
                argv = a.get().command();
                continue;
            }
            // sh -c "script" [name [args...]]
            if (inv != null) {
                String shellPath = ctx.which(argv0).orElse(argv0);
                hops.add(new EntrypointResult.Hop(argv, "", EntrypointResult.HopKind.SHELL_C, shellPath));
                String name = inv.args().isEmpty() ? argv0 : inv.args().get(0);
                List<String> args = inv.args().size() > 1 ? inv.args().subList(1, inv.args().size()) : List.of();
                Optional<ScriptAnalysis> a = analyze(inv.operand(), "", name, args, findings);
                if (a.isEmpty() || !a.get().resolved()) {
                    a.ifPresent(x -> block(x, "", "the inline script of " + base(argv0) + " -c", blockers, findings));
                    return findings.done(result(declared, EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "", hops, env, blockers));
                }
                env.putAll(a.get().environment());
                notes(a.get(), "", findings);
                argv = a.get().command();
                continue;
            }
            Optional<String> path = ctx.which(argv0);
            if (path.isEmpty()) {
                findings.blocker("", 0, "'" + argv0 + "' is not found in the image"
                        + (argv0.contains("/") ? "" : " on PATH " + String.join(":", ctx.searchPath())));
                return findings.done(result(declared, EntrypointResult.Verdict.NOT_FOUND, argv, "", hops, env, blockers));
            }
            String p = path.get();
            FileEntry file = ctx.resolve(p).orElseThrow();
            if (ctx.isElf(file)) {
                hops.add(new EntrypointResult.Hop(argv, p, EntrypointResult.HopKind.ELF, ""));
                EntrypointResult.Verdict v = hop == 0 ? EntrypointResult.Verdict.EXEC : EntrypointResult.Verdict.RESOLVED;
                findings.info(p, "the container runs " + p + " (ELF) as " + argv);
                return findings.done(result(declared, v, argv, p, hops, env, blockers));
            }
            String head = new String(ctx.head(file, 256), StandardCharsets.UTF_8);
            if (!head.startsWith("#!")) {
                findings.warning(p, "'" + argv0 + "' resolves to " + p + ", which is neither ELF nor a script with a shebang");
                hops.add(new EntrypointResult.Hop(argv, p, EntrypointResult.HopKind.OTHER, ""));
                return findings.done(result(declared, EntrypointResult.Verdict.UNKNOWN, argv, p, hops, env, blockers));
            }
            String shebang = head.substring(2, head.contains("\n") ? head.indexOf('\n') : head.length()).trim();
            String[] sb = shebang.split("[ \t]+", 2);
            String interpreter = sb[0];
            String interpArg = sb.length > 1 ? sb[1].trim() : "";
            String language = base(interpreter).equals("env") && !interpArg.isEmpty()
                    ? interpArg.split("[ \t]+")[0] : base(interpreter);
            if (!SHELLS.contains(language)) {
                hops.add(new EntrypointResult.Hop(argv, p, EntrypointResult.HopKind.INTERPRETED_SCRIPT, shebang));
                findings.add(Finding.Kind.INFO, p, 1, p + " is a " + language + " script: it needs the interpreter " + shebang,
                        Map.of("interpreter", shebang));
                return findings.done(result(declared, EntrypointResult.Verdict.INTERPRETED, argv, p, hops, env, blockers));
            }
            hops.add(new EntrypointResult.Hop(argv, p, EntrypointResult.HopKind.SHELL_SCRIPT, shebang));
            Optional<TextFile> text = ctx.readText(p, findings);
            if (text.isEmpty()) {
                return findings.done(result(declared, EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "", hops, env, blockers));
            }
            Optional<ScriptAnalysis> a = analyze(text.get().content(), p, argv0, argv.subList(1, argv.size()), findings);
            if (a.isEmpty() || !a.get().resolved()) {
                a.ifPresent(x -> block(x, p, p, blockers, findings));
                return findings.done(result(declared, EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "", hops, env, blockers));
            }
            notes(a.get(), p, findings);
            env.putAll(a.get().environment());
            findings.add(Finding.Kind.INFO, p, 0, p + " is a trivial exec wrapper: with arguments " + argv.subList(1, argv.size())
                    + " it runs " + a.get().command(), Map.of("command", String.join(" ", a.get().command())));
            argv = a.get().command();
        }
        findings.blocker("", 0, "more than " + MAX_HOPS + " wrappers in a row");
        return findings.done(result(declared, EntrypointResult.Verdict.NEEDS_SHELL, List.of(), "", hops, env, blockers));
    }

    private static EntrypointResult result(List<String> declared, EntrypointResult.Verdict verdict, List<String> command,
                                           String program, List<EntrypointResult.Hop> hops, Map<String, String> env,
                                           List<EntrypointResult.Blocker> blockers) {
        return new EntrypointResult(declared, verdict, command, program, hops, env, blockers);
    }

    private static Optional<ScriptAnalysis> analyze(String script, String path, String name, List<String> args, Findings findings) {
        try {
            return Optional.of(ScriptAnalyzer.analyze(ShellLexer.tokenize(script), name, args));
        } catch (ShellSyntaxException e) {
            findings.add(Finding.Kind.ERROR, path, e.line(), "cannot tokenize " + (path.isEmpty() ? "the inline script" : path)
                    + ": " + e.getMessage(), Map.of());
            return Optional.empty();
        }
    }

    private static void block(ScriptAnalysis a, String path, String what, List<EntrypointResult.Blocker> blockers, Findings findings) {
        for (ScriptAnalysis.Issue issue : a.blockers()) {
            blockers.add(new EntrypointResult.Blocker(path, issue.line(), issue.reason()));
            findings.blocker(path, issue.line(), what + " needs a shell: " + issue.reason() + " (line " + issue.line() + ")");
        }
    }

    private static void notes(ScriptAnalysis a, String path, Findings findings) {
        for (ScriptAnalysis.Issue n : a.notes()) {
            findings.add(Finding.Kind.INFO, path, n.line(), "the wrapper " + n.reason() + "; the exec form will not", Map.of());
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

    static String base(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
