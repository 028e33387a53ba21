package dev.distill.engine.structure;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.image.ImageConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a suite against an image's merged filesystem and configuration, without a container engine: file and
 * metadata tests read the image directly, command tests go to the {@link CommandRunner} (when there is none they
 * are skipped, saying so). A test that cannot read its file fails with the reason; nothing is thrown.
 */
public final class StructureTestRunner {

    /** File content tests read at most this much of a file. */
    public static final int CONTENT_LIMIT = 16 << 20;

    /** How much of a file, output or error stream a failure message quotes. */
    static final int QUOTE_LIMIT = 400;

    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)}|([A-Za-z_][A-Za-z0-9_]*))");

    private final ImageFileSystem fs;
    private final ImageConfig config;
    private final CommandRunner commands;
    private final Map<String, String> imageEnv;

    /** @param commands runs command tests; null to report them as not run */
    public StructureTestRunner(ImageFileSystem fs, ImageConfig config, CommandRunner commands) {
        this.fs = fs;
        this.config = config == null ? ImageConfig.EMPTY : config;
        this.commands = commands;
        this.imageEnv = new LinkedHashMap<>();
        for (String kv : this.config.env()) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                imageEnv.putIfAbsent(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
    }

    public StructureTestReport run(StructureTestSuite suite) {
        return runAll(List.of(suite)).get(0);
    }

    /**
     * Runs several suites of the one image; the command tests of all of them go to the {@link CommandRunner} as one
     * batch (so a runner may run them all in one container), in suite order.
     *
     * @return one report per suite, in their order
     */
    public List<StructureTestReport> runAll(List<StructureTestSuite> suites) {
        List<CommandTest> tests = new ArrayList<>();
        List<CommandInvocation> invocations = new ArrayList<>();
        for (StructureTestSuite suite : suites) {
            for (CommandTest t : suite.commandTests()) {
                tests.add(t);
                invocations.add(invocation(t, suite.globalEnvVars()));
            }
        }
        List<StructureTestResult> commandResults = commands(tests, invocations);
        List<StructureTestReport> reports = new ArrayList<>();
        int next = 0;
        for (StructureTestSuite suite : suites) {
            List<StructureTestResult> results = new ArrayList<>(commandResults.subList(next, next + suite.commandTests().size()));
            next += suite.commandTests().size();
            suite.fileExistenceTests().forEach(t -> results.add(fileExistence(t)));
            suite.fileContentTests().forEach(t -> results.add(fileContent(t)));
            if (!suite.metadataTest().isEmpty()) {
                results.add(metadata(suite.metadataTest()));
            }
            reports.add(new StructureTestReport(results));
        }
        return reports;
    }

    // ---- command tests

    private CommandInvocation invocation(CommandTest t, List<KeyValue> global) {
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, String> scope = new LinkedHashMap<>(imageEnv);
        for (KeyValue kv : Suites.concat(global, t.envVars())) {
            String value = expand(kv.value(), scope);
            env.put(kv.key(), value);
            scope.put(kv.key(), value);
        }
        return new CommandInvocation(t.setup(), t.argv(), env, t.teardown());
    }

    private List<StructureTestResult> commands(List<CommandTest> tests, List<CommandInvocation> invocations) {
        StructureTestResult.Kind kind = StructureTestResult.Kind.COMMAND;
        List<StructureTestResult> results = new ArrayList<>();
        if (tests.isEmpty()) {
            return results;
        }
        if (commands == null) {
            tests.forEach(t -> results.add(skipped(kind, t.name(), "not run: no command runner was given (command tests need "
                    + "a container runtime)")));
            return results;
        }
        List<CommandAttempt> attempts;
        try {
            attempts = commands.runAll(invocations);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tests.forEach(t -> results.add(skipped(kind, t.name(), "not run: interrupted")));
            return results;
        } catch (RuntimeException e) {
            attempts = new ArrayList<>();
            for (int i = 0; i < tests.size(); i++) {
                attempts.add(CommandAttempt.failed(e.getMessage()));
            }
        }
        if (attempts.size() != tests.size()) {
            throw new IllegalStateException("the command runner answered " + attempts.size() + " outcomes for " + tests.size()
                    + " commands");
        }
        for (int i = 0; i < tests.size(); i++) {
            results.add(command(tests.get(i), attempts.get(i)));
        }
        return results;
    }

    private StructureTestResult command(CommandTest t, CommandAttempt attempt) {
        StructureTestResult.Kind kind = StructureTestResult.Kind.COMMAND;
        if (attempt.error() != null) {
            return failed(kind, t.name(), "the command " + t.argv() + " could not be run: " + attempt.error());
        }
        CommandOutcome out = attempt.outcome();
        List<String> problems = new ArrayList<>();
        expectFound(problems, "stdout", t.expectedOutput(), out.stdout(), true);
        expectFound(problems, "stdout", t.excludedOutput(), out.stdout(), false);
        expectFound(problems, "stderr", t.expectedError(), out.stderr(), true);
        expectFound(problems, "stderr", t.excludedError(), out.stderr(), false);
        if (out.exitCode() != t.exitCode()) {
            problems.add("exit code: expected " + t.exitCode() + ", found " + out.exitCode());
        }
        return outcome(kind, t.name(), problems, t.argv() + " exited " + out.exitCode() + " as expected");
    }

    // ---- file existence tests

    private StructureTestResult fileExistence(FileExistenceTest t) {
        StructureTestResult.Kind kind = StructureTestResult.Kind.FILE_EXISTENCE;
        String path = Paths.normalize(expand(t.path(), imageEnv));
        Optional<FileEntry> found;
        try {
            found = lstat(path);
        } catch (RuntimeException e) {
            return failed(kind, t.name(), path + " cannot be looked up: " + e.getMessage());
        }
        if (found.isEmpty()) {
            return t.shouldExist() ? failed(kind, t.name(), "expected " + path + " to exist; it does not")
                    : passed(kind, t.name(), path + " does not exist, as expected");
        }
        FileEntry e = found.get();
        PermissionString actual = permissions(e);
        if (!t.shouldExist()) {
            return failed(kind, t.name(), "expected " + path + " not to exist; found " + actual + " " + e.uid() + ":"
                    + e.gid() + (e.isSymlink() ? " -> " + e.linkTarget() : ""));
        }
        List<String> problems = new ArrayList<>();
        if (t.permissions() != null) {
            PermissionString expected = PermissionString.parse(t.permissions());
            if (!expected.equals(actual)) {
                problems.add("permissions of " + path + ": expected " + expected + ", found " + actual);
            }
        }
        if (t.uid() != null && t.uid() != e.uid()) {
            problems.add("owner of " + path + ": expected uid " + t.uid() + ", found " + e.uid());
        }
        if (t.gid() != null && t.gid() != e.gid()) {
            problems.add("group of " + path + ": expected gid " + t.gid() + ", found " + e.gid());
        }
        if (t.isExecutableBy() != null) {
            FileExistenceTest.ExecutableBy by = FileExistenceTest.ExecutableBy.of(t.isExecutableBy());
            if ((actual.mode() & by.bits) == 0) {
                problems.add(path + ": expected to be executable by " + t.isExecutableBy() + ", found " + actual);
            }
        }
        return outcome(kind, t.name(), problems, path + " exists as " + actual + " " + e.uid() + ":" + e.gid());
    }

    /** Like lstat: links in the parent directories followed, a final symlink not; a hard link is its file. */
    private Optional<FileEntry> lstat(String path) {
        if (path.equals("/")) {
            return fs.resolve("/");
        }
        Optional<FileEntry> dir = fs.resolve(Paths.parent(path));
        if (dir.isEmpty() || !dir.get().isDirectory()) {
            return Optional.empty();
        }
        Optional<FileEntry> e = fs.entry(Paths.join(dir.get().path(), Paths.name(path)));
        if (e.isPresent() && e.get().type() == FileType.HARDLINK) {
            return fs.resolve(e.get().path());
        }
        return e;
    }

    /** A symlink's own bits mean nothing on Linux, which always shows lrwxrwxrwx; so does this. */
    private static PermissionString permissions(FileEntry e) {
        return new PermissionString(e.type(), e.isSymlink() ? 0777 : e.mode());
    }

    // ---- file content tests

    private StructureTestResult fileContent(FileContentTest t) {
        StructureTestResult.Kind kind = StructureTestResult.Kind.FILE_CONTENT;
        String path = Paths.normalize(expand(t.path(), imageEnv));
        String content;
        boolean truncated;
        try {
            Optional<FileEntry> file = fs.resolve(path);
            if (file.isEmpty()) {
                return failed(kind, t.name(), "expected " + path + " to be a file; it does not exist");
            }
            if (!file.get().isRegular()) {
                return failed(kind, t.name(), "expected " + path + " to be a file; found " + permissions(file.get()));
            }
            byte[] bytes = fs.read(file.get(), CONTENT_LIMIT + 1);
            truncated = bytes.length > CONTENT_LIMIT;
            content = new String(bytes, 0, Math.min(bytes.length, CONTENT_LIMIT), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return failed(kind, t.name(), path + " cannot be read: " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        expectFound(problems, path, t.expectedContents(), content, true);
        expectFound(problems, path, t.excludedContents(), content, false);
        if (truncated && !problems.isEmpty()) {
            problems.add("only the first " + CONTENT_LIMIT + " bytes of " + path + " were searched");
        }
        return outcome(kind, t.name(), problems, path + " matches every expected and no excluded pattern");
    }

    // ---- the metadata test

    private StructureTestResult metadata(MetadataTest m) {
        List<String> problems = new ArrayList<>();
        for (KeyValue kv : m.envVars()) {
            String actual = imageEnv.get(kv.key());
            if (actual == null) {
                problems.add("env " + kv.key() + ": expected " + describe(kv) + ", found it unset");
            } else if (!kv.matches(actual)) {
                problems.add("env " + kv.key() + ": expected " + describe(kv) + ", found '" + actual + "'");
            }
        }
        for (KeyValue kv : m.unboundEnvVars()) {
            if (imageEnv.containsKey(kv.key())) {
                problems.add("env " + kv.key() + ": expected unset, found '" + imageEnv.get(kv.key()) + "'");
            }
        }
        for (KeyValue kv : m.labels()) {
            String actual = config.labels().get(kv.key());
            if (actual == null) {
                problems.add("label " + kv.key() + ": expected " + describe(kv) + ", found it unset");
            } else if (!kv.matches(actual)) {
                problems.add("label " + kv.key() + ": expected " + describe(kv) + ", found '" + actual + "'");
            }
        }
        for (String port : m.exposedPorts()) {
            if (!exposed(port)) {
                problems.add("exposed port " + port + ": expected, found " + config.exposedPorts());
            }
        }
        for (String port : m.unexposedPorts()) {
            if (exposed(port)) {
                problems.add("port " + port + ": expected not exposed, found " + config.exposedPorts());
            }
        }
        if (m.entrypoint() != null && !m.entrypoint().equals(config.entrypoint())) {
            problems.add("entrypoint: expected " + m.entrypoint() + ", found " + config.entrypoint());
        }
        if (m.cmd() != null && !m.cmd().equals(config.cmd())) {
            problems.add("cmd: expected " + m.cmd() + ", found " + config.cmd());
        }
        if (!m.workdir().isEmpty() && !m.workdir().equals(config.workingDir())) {
            problems.add("workdir: expected '" + m.workdir() + "', found '" + config.workingDir() + "'");
        }
        for (String volume : m.volumes()) {
            if (!config.volumes().contains(volume)) {
                problems.add("volume " + volume + ": expected, found " + config.volumes());
            }
        }
        for (String volume : m.unmountedVolumes()) {
            if (config.volumes().contains(volume)) {
                problems.add("volume " + volume + ": expected not declared, found " + config.volumes());
            }
        }
        if (!m.user().isEmpty() && !m.user().equals(config.user())) {
            problems.add("user: expected '" + m.user() + "', found '" + config.user() + "'");
        }
        return outcome(StructureTestResult.Kind.METADATA, "Metadata Test", problems, "the configuration matches");
    }

    /** {@code 8080} is any protocol of port 8080 (as the reference runner compares without it); {@code 8080/udp} that one. */
    private boolean exposed(String port) {
        for (String p : config.exposedPorts()) {
            String withProtocol = p.contains("/") ? p : p + "/tcp";
            if (port.contains("/") ? withProtocol.equals(port) : withProtocol.substring(0, withProtocol.indexOf('/')).equals(port)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(KeyValue kv) {
        return kv.isRegex() ? "a match of /" + kv.value() + "/" : "'" + kv.value() + "'";
    }

    // ---- shared

    private static void expectFound(List<String> problems, String where, List<String> regexes, String text,
            boolean expected) {
        for (String regex : regexes) {
            if (Regexes.found(regex, text) != expected) {
                problems.add(where + ": expected " + (expected ? "" : "no ") + "match of /" + regex + "/, found "
                        + quote(text));
            }
        }
    }

    static String quote(String text) {
        String t = text.length() > QUOTE_LIMIT ? text.substring(0, QUOTE_LIMIT) + "... (" + text.length() + " chars)" : text;
        return "'" + t.replace("\n", "\\n") + "'";
    }

    /** Expands {@code $NAME} and {@code ${NAME}} from the given variables, an unknown one to nothing, as a shell would. */
    static String expand(String s, Map<String, String> vars) {
        Matcher m = VARIABLE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(vars.getOrDefault(name, "")));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static StructureTestResult outcome(StructureTestResult.Kind kind, String name, List<String> problems,
            String ok) {
        return problems.isEmpty() ? passed(kind, name, ok) : failed(kind, name, String.join("; ", problems));
    }

    private static StructureTestResult passed(StructureTestResult.Kind kind, String name, String message) {
        return new StructureTestResult(kind, name, StructureTestResult.Status.PASSED, message);
    }

    private static StructureTestResult failed(StructureTestResult.Kind kind, String name, String message) {
        return new StructureTestResult(kind, name, StructureTestResult.Status.FAILED, message);
    }

    private static StructureTestResult skipped(StructureTestResult.Kind kind, String name, String message) {
        return new StructureTestResult(kind, name, StructureTestResult.Status.SKIPPED, message);
    }
}
