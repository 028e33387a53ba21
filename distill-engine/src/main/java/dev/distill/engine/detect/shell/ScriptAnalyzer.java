package dev.distill.engine.detect.shell;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Follows a tokenized shell script with its arguments known: its final command (an {@code exec}, or the last
 * command it runs), the commands it runs before that ({@link Step}s, each with its expanded arguments,
 * redirections, environment and working directory), and what needs a shell at run time (loops, functions,
 * sourcing, command substitutions it cannot answer, background jobs, traps, pipelines, here-documents,
 * conditionals on the run-time environment or on files). Branches not taken with these arguments, this
 * environment and this identity are skipped: the verdict holds for them. It does not decide what a step is
 * for; {@link StepClassifier} does.
 */
public final class ScriptAnalyzer {

    private static final Set<String> SAFE_DEVICES = Set.of("/dev/null", "/dev/stdout", "/dev/stderr");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * What the analysis knows besides the script and its arguments.
     *
     * @param environment variables the image's configuration sets (known values, exported)
     * @param workingDir where the script starts, null when unknown (a {@code cd} to a relative path then needs a shell)
     * @param identity who runs the script, null when unknown ({@code $(id -u)} then needs a shell)
     */
    public record Context(Map<String, String> environment, String workingDir, ScriptUser identity) {

        /** Nothing known: the environment is the run-time's, the identity anyone's. */
        public static final Context NONE = new Context(Map.of(), null, null);

        public Context {
            environment = Map.copyOf(environment == null ? Map.of() : environment);
        }

        public Context as(ScriptUser other) {
            return new Context(environment, workingDir, other);
        }
    }

    private final List<Token> tokens;
    private final String scriptName;
    private final Context context;
    private List<String> args;
    private final Map<String, String> vars = new LinkedHashMap<>();
    private final Map<String, String> exported = new LinkedHashMap<>();
    private final List<ScriptAnalysis.Issue> blockers = new ArrayList<>();
    private final List<ScriptAnalysis.Issue> notes = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final Deque<Frame> frames = new ArrayDeque<>();
    private Step pending;   // the last command run without exec: a step once another command follows
    private List<Step.Redirect> pendingFiles;  // its redirections to and from files
    private String cwd;
    private boolean identityUsed;  // an expansion asked the identity since the flag was cleared
    private List<String> result;
    private boolean viaExec;
    private boolean finished;

    /** An open if, loop, case, function body or group; {@code active} says whether its body runs. */
    private static final class Frame {
        final String kind;
        final boolean parentActive;
        boolean active;
        boolean taken;
        boolean undecided;
        boolean byIdentity;  // its condition asked who runs the script

        Frame(String kind, boolean parentActive, boolean active) {
            this.kind = kind;
            this.parentActive = parentActive;
            this.active = active;
        }
    }

    /** Thrown inside expansion when a word's value is not known statically. */
    private static final class Unknown extends Exception {
        Unknown(String reason) {
            super(reason, null, false, false);
        }
    }

    private ScriptAnalyzer(List<Token> tokens, String scriptName, List<String> args, Context context) {
        this.tokens = tokens;
        this.scriptName = scriptName;
        this.args = new ArrayList<>(args);
        this.context = context;
        this.vars.putAll(context.environment());
        this.cwd = context.workingDir();
    }

    /**
     * Follows the script knowing nothing of its environment or of who runs it.
     *
     * @param scriptName {@code $0}
     * @param args the positional parameters {@code $1...}
     */
    public static ScriptAnalysis analyze(List<Token> tokens, String scriptName, List<String> args) {
        return analyze(tokens, scriptName, args, Context.NONE);
    }

    /** Follows the script with what {@code context} knows: the image's environment, working directory, identity. */
    public static ScriptAnalysis analyze(List<Token> tokens, String scriptName, List<String> args, Context context) {
        ScriptAnalyzer a = new ScriptAnalyzer(tokens, scriptName, args, context);
        a.run();
        List<String> command = a.result != null ? a.result : a.pending != null ? a.pending.argv() : List.of();
        if (a.result == null && a.pending != null) {
            a.fileRedirections(a.pendingFiles, a.pending.line());  // the program's own output goes where it always went
            if (a.blockers.isEmpty()) {
                a.notes.add(new ScriptAnalysis.Issue(a.pending.line(),
                        "runs " + a.pending.name() + " without exec: the shell stays as its parent"));
            }
        }
        if (command.isEmpty() && a.blockers.isEmpty()) {
            a.blockers.add(new ScriptAnalysis.Issue(lastLine(tokens), "the script runs no program"));
        }
        return new ScriptAnalysis(command, a.result != null, a.exported, a.blockers, a.notes, a.steps,
                a.cwd == null ? "" : a.cwd);
    }

    private static int lastLine(List<Token> tokens) {
        return tokens.isEmpty() ? 1 : tokens.get(tokens.size() - 1).line();
    }

    private boolean active() {
        return frames.isEmpty() || frames.peek().active;
    }

    private void block(int line, String reason) {
        if (blockers.stream().noneMatch(b -> b.line() == line && b.reason().equals(reason))) {
            blockers.add(new ScriptAnalysis.Issue(line, reason));
        }
    }

    private void run() {
        List<Token> statement = new ArrayList<>();
        for (int i = 0; i <= tokens.size() && !finished; i++) {
            Token t = i < tokens.size() ? tokens.get(i) : null;
            boolean separator = t == null || t.type() == Token.Type.NEWLINE
                    || t.isOperator(";") || t.isOperator("&") || t.isOperator("&&") || t.isOperator("||")
                    || t.isOperator("|") || t.isOperator(";;");
            if (!separator) {
                statement.add(t);
                continue;
            }
            // An if/elif condition may chain tests with && and ||: keep them in one statement.
            if (t != null && (t.isOperator("&&") || t.isOperator("||")) && !statement.isEmpty() && startsCondition(statement)) {
                statement.add(t);
                continue;
            }
            if (!statement.isEmpty()) {
                statement(statement, t);
            }
            statement = new ArrayList<>();
        }
        if (!finished && !frames.isEmpty()) {
            block(lastLine(tokens), "unterminated " + frames.peek().kind + " block");
        }
    }

    private static boolean startsCondition(List<Token> statement) {
        for (Token t : statement) {
            String w = t.plainWord();
            if ("if".equals(w) || "elif".equals(w)) {
                return true;
            }
            if (!"then".equals(w) && !"else".equals(w) && !"do".equals(w) && !"!".equals(w)) {
                return false;
            }
        }
        return false;
    }

    private void statement(List<Token> words, Token separator) {
        int i = 0;
        Frame skip = frames.peek();
        // Inside a case or function body we only look for its end.
        if (skip != null && (skip.kind.equals("case") || skip.kind.equals("function"))) {
            for (Token w : words) {
                String p = w.plainWord();
                if (skip.kind.equals("case") && "esac".equals(p) || skip.kind.equals("function") && "}".equals(p)) {
                    frames.pop();
                    return;
                }
                if (skip.kind.equals("case") && "case".equals(p)) {
                    frames.push(new Frame("case", false, false));
                }
                if (skip.kind.equals("function") && "{".equals(p)) {
                    frames.push(new Frame("function", false, false));
                }
            }
            return;
        }
        while (i < words.size()) {
            String w = words.get(i).plainWord();
            int line = words.get(i).line();
            if (w == null) {
                break;
            }
            switch (w) {
                case "then", "do", "!" -> {
                    if (w.equals("!") && active()) {
                        block(line, "negated command: a conditional on the outcome of a command");
                    }
                    i++;
                    continue;
                }
                case "if" -> {
                    boolean parent = active();
                    Frame f = new Frame("if", parent, false);
                    frames.push(f);
                    decide(f, words.subList(i + 1, words.size()), separator, line);
                    return;
                }
                case "elif" -> {
                    Frame f = frames.peek();
                    if (f == null || !f.kind.equals("if")) {
                        block(line, "elif without if");
                        return;
                    }
                    if (f.taken || f.undecided) {
                        f.active = false;
                    } else {
                        decide(f, words.subList(i + 1, words.size()), separator, line);
                    }
                    return;
                }
                case "else" -> {
                    Frame f = frames.peek();
                    if (f == null || !f.kind.equals("if")) {
                        block(line, "else without if");
                        return;
                    }
                    f.active = f.parentActive && !f.taken && !f.undecided;
                    i++;
                    continue;
                }
                case "fi", "done", "}" -> {
                    if (!frames.isEmpty()) {
                        frames.pop();
                    }
                    i++;
                    continue;
                }
                case "for", "while", "until" -> {
                    if (active()) {
                        block(line, "'" + w + "' loop");
                    }
                    frames.push(new Frame("loop", active(), false));
                    return;
                }
                case "case" -> {
                    if (active()) {
                        block(line, "'case' conditional");
                    }
                    frames.push(new Frame("case", active(), false));
                    return;
                }
                case "function" -> {
                    if (active()) {
                        block(line, "shell function definition");
                    }
                    frames.push(new Frame("function", active(), false));
                    return;
                }
                case "{" -> {
                    frames.push(new Frame("group", active(), active()));
                    i++;
                    continue;
                }
                default -> {
                }
            }
            break;
        }
        if (i >= words.size()) {
            return;
        }
        List<Token> rest = words.subList(i, words.size());
        // name() { ... }: a function definition
        if (rest.size() >= 3 && rest.get(1).isOperator("(") && rest.get(2).isOperator(")")) {
            if (active()) {
                block(rest.get(0).line(), "shell function definition '" + rest.get(0).text() + "'");
            }
            Frame f = new Frame("function", active(), false);
            frames.push(f);
            if (rest.stream().anyMatch(t -> "}".equals(t.plainWord()))) {
                frames.pop();
            }
            return;
        }
        if (!active()) {
            return;
        }
        simpleCommand(rest, separator);
    }

    /** Evaluates an if/elif condition and sets which branch runs. */
    private void decide(Frame f, List<Token> condition, Token separator, int line) {
        if (!f.parentActive) {
            f.active = false;
            return;
        }
        if (separator != null && (separator.isOperator("&&") || separator.isOperator("||") || separator.isOperator("|"))) {
            block(line, "compound condition with '" + separator.text() + "'");
            f.undecided = true;
            f.active = false;
            return;
        }
        // a && b || c: equal precedence, left to right, like sh
        identityUsed = false;
        Boolean value = null;
        String op = null;
        List<Token> part = new ArrayList<>();
        for (int k = 0; k <= condition.size(); k++) {
            Token t = k < condition.size() ? condition.get(k) : null;
            if (t != null && !t.isOperator("&&") && !t.isOperator("||")) {
                part.add(t);
                continue;
            }
            Boolean v = condition(part, part.isEmpty() ? line : part.get(0).line());
            if (v == null) {
                value = null;
                break;
            }
            value = op == null ? v : op.equals("&&") ? value && v : value || v;
            op = t == null ? null : t.text();
            part = new ArrayList<>();
        }
        f.byIdentity |= identityUsed;
        if (value == null) {
            f.undecided = true;
            f.active = false;
            return;
        }
        f.active = value;
        f.taken = value;
    }

    /** Whether a command here runs only because of who runs the script. */
    private boolean inIdentityBranch() {
        return frames.stream().anyMatch(f -> f.byIdentity);
    }

    private Boolean condition(List<Token> words, int line) {
        List<String> argv;
        try {
            argv = expandAll(words);
        } catch (Unknown u) {
            block(line, "conditional on the environment: " + u.getMessage());
            return null;
        }
        if (argv.isEmpty()) {
            block(line, "empty condition");
            return null;
        }
        String cmd = argv.get(0);
        List<String> ops;
        if (cmd.equals("[")) {
            if (!argv.get(argv.size() - 1).equals("]")) {
                block(line, "'[' without ']'");
                return null;
            }
            ops = argv.subList(1, argv.size() - 1);
        } else if (cmd.equals("test")) {
            ops = argv.subList(1, argv.size());
        } else if (cmd.equals("true") || cmd.equals(":")) {
            return true;
        } else if (cmd.equals("false")) {
            return false;
        } else {
            block(line, "conditional on the outcome of '" + cmd + "' at run time");
            return null;
        }
        Boolean v = test(ops);
        if (v == null) {
            block(line, "condition '" + String.join(" ", ops) + "' depends on the run-time environment");
        }
        return v;
    }

    /**
     * Evaluates {@code test}'s operands: primaries joined by {@code -a} (before) and {@code -o}, each a single
     * string, a unary test, a binary comparison or a negation. Null when the answer depends on the running system
     * (file tests) or the expression is not understood.
     */
    static Boolean test(List<String> ops) {
        if (ops.isEmpty()) {
            return false;
        }
        if (ops.size() <= 3) {
            return primary(ops);  // POSIX decides up to three operands by their count, -a and -o as binary
        }
        // Split into primaries; -a binds tighter than -o (XSI).
        List<List<List<String>>> alternatives = new ArrayList<>();
        List<List<String>> conjuncts = new ArrayList<>();
        int i = 0;
        while (i < ops.size()) {
            int len = primaryLength(ops, i);
            if (len <= 0) {
                return null;
            }
            conjuncts.add(ops.subList(i, i + len));
            i += len;
            if (i >= ops.size()) {
                break;
            }
            String join = ops.get(i);
            if (join.equals("-o")) {
                alternatives.add(conjuncts);
                conjuncts = new ArrayList<>();
            } else if (!join.equals("-a")) {
                return null;
            }
            i++;
            if (i >= ops.size()) {
                return null;  // a dangling -a or -o
            }
        }
        alternatives.add(conjuncts);
        boolean unknown = false;
        for (List<List<String>> all : alternatives) {
            Boolean value = true;
            for (List<String> p : all) {
                Boolean v = primary(p);
                if (v == null) {
                    value = value == Boolean.FALSE ? Boolean.FALSE : null;
                } else if (!v) {
                    value = false;
                }
            }
            if (value == Boolean.TRUE) {
                return true;
            }
            unknown |= value == null;
        }
        return unknown ? null : false;
    }

    private static final Set<String> UNARY = Set.of("-z", "-n", "-e", "-f", "-d", "-s", "-r", "-w", "-x", "-L", "-h",
            "-p", "-S", "-b", "-c", "-g", "-u", "-k", "-t", "-O", "-G", "-N");
    private static final Set<String> BINARY = Set.of("=", "==", "!=", "-eq", "-ne", "-gt", "-lt", "-ge", "-le", "-nt",
            "-ot", "-ef");

    /** How many operands the primary at {@code i} takes, 0 when none fits. */
    private static int primaryLength(List<String> ops, int i) {
        String a = ops.get(i);
        if (a.equals("!")) {
            int inner = i + 1 < ops.size() ? primaryLength(ops, i + 1) : 0;
            return inner == 0 ? 0 : inner + 1;
        }
        if (i + 2 < ops.size() && BINARY.contains(ops.get(i + 1))) {
            return 3;
        }
        if (UNARY.contains(a) && i + 1 < ops.size()) {
            return 2;
        }
        return 1;
    }

    private static Boolean primary(List<String> ops) {
        if (!ops.isEmpty() && ops.get(0).equals("!")) {
            Boolean inner = primary(ops.subList(1, ops.size()));
            return inner == null ? null : !inner;
        }
        switch (ops.size()) {
            case 0:
                return false;
            case 1:
                return !ops.get(0).isEmpty();
            case 2:
                return switch (ops.get(0)) {
                    case "-z" -> ops.get(1).isEmpty();
                    case "-n" -> !ops.get(1).isEmpty();
                    default -> null;  // file tests and the like look at the running system
                };
            case 3:
                String a = ops.get(0);
                String b = ops.get(2);
                switch (ops.get(1)) {
                    case "=", "==":
                        return a.equals(b);
                    case "!=":
                        return !a.equals(b);
                    case "-a":
                        return !a.isEmpty() && !b.isEmpty();
                    case "-o":
                        return !a.isEmpty() || !b.isEmpty();
                    case "-eq", "-ne", "-gt", "-lt", "-ge", "-le":
                        try {
                            long x = Long.parseLong(a.trim());
                            long y = Long.parseLong(b.trim());
                            return switch (ops.get(1)) {
                                case "-eq" -> x == y;
                                case "-ne" -> x != y;
                                case "-gt" -> x > y;
                                case "-lt" -> x < y;
                                case "-ge" -> x >= y;
                                default -> x <= y;
                            };
                        } catch (NumberFormatException e) {
                            return null;
                        }
                    default:
                        return null;
                }
            default:
                return null;
        }
    }

    private void simpleCommand(List<Token> words, Token separator) {
        int line = words.get(0).line();
        if (separator != null && separator.isOperator("&")) {
            block(line, "background job ('&')");
        } else if (separator != null && separator.isOperator("|")) {
            block(line, "pipeline ('|')");
        } else if (separator != null && (separator.isOperator("&&") || separator.isOperator("||"))) {
            block(line, "conditional chain ('" + separator.text() + "')");
        }
        // Redirections and assignments
        List<Token> argWords = new ArrayList<>();
        Map<String, String> assignments = new LinkedHashMap<>();
        List<Step.Redirect> files = new ArrayList<>();
        boolean inAssignments = true;
        for (int k = 0; k < words.size(); k++) {
            Token t = words.get(k);
            if (t.type() == Token.Type.OPERATOR) {
                if (t.isOperator("(") || t.isOperator(")")) {
                    block(t.line(), "subshell '(...)'");
                    continue;
                }
                Token target = k + 1 < words.size() ? words.get(k + 1) : null;
                Token fd = k > 0 && words.get(k - 1).plainWord() != null && words.get(k - 1).plainWord().matches("\\d+")
                        ? words.get(k - 1) : null;
                k++;
                redirection(t, fd, target, files);
                continue;
            }
            // a word that is all digits right before a redirection is its file descriptor
            if (k + 1 < words.size() && words.get(k + 1).type() == Token.Type.OPERATOR
                    && t.plainWord() != null && t.plainWord().matches("\\d+")
                    && words.get(k + 1).text().matches("[<>].*")) {
                continue;
            }
            String lit = t.parts().isEmpty() ? null : t.parts().get(0) instanceof Token.Literal l && !l.quoted() ? l.text() : null;
            if (inAssignments && lit != null && lit.indexOf('=') > 0 && NAME.matcher(lit.substring(0, lit.indexOf('='))).matches()) {
                String name = lit.substring(0, lit.indexOf('='));
                try {
                    List<String> value = expandWord(t, false);
                    assignments.put(name, String.join("", value).substring(name.length() + 1));
                } catch (Unknown u) {
                    block(line, "sets " + name + " from " + u.getMessage());
                    assignments.put(name, null);
                }
                continue;
            }
            inAssignments = false;
            argWords.add(t);
        }
        String first = argWords.isEmpty() ? null : argWords.get(0).plainWord();
        List<String> argv;
        try {
            argv = expandAll(argWords);
        } catch (Unknown u) {
            if (":".equals(first) || "true".equals(first)) {
                return;  // a no-op; what it sets blocks where it is used
            }
            if (("echo".equals(first) || "printf".equals(first)) && files.isEmpty()) {
                pendingCheck();
                notes.add(new ScriptAnalysis.Issue(line, "prints a message from the run-time environment (" + u.getMessage() + ")"));
                return;
            }
            block(line, "command depends on the run-time environment: " + u.getMessage());
            return;
        }
        if (argv.isEmpty()) {
            fileRedirections(files, line);
            assignments.forEach((k, v) -> {
                if (v == null) {
                    vars.remove(k);
                } else {
                    vars.put(k, v);
                }
            });
            return;
        }
        String cmd = argv.get(0);
        pendingCheck();
        boolean builtin = true;
        switch (cmd) {
            case "set" -> set(argv.subList(1, argv.size()), line);
            case "exec" -> {
                if (argv.size() == 1) {
                    fileRedirections(files, line);
                    return;  // exec with only redirections
                }
                result = new ArrayList<>(argv.subList(1, argv.size()));
                viaExec = true;
                assignments.forEach((k, v) -> {
                    if (v != null) {
                        exported.put(k, v);
                    }
                });
                finished = true;
            }
            case "shift" -> {
                int n = argv.size() > 1 ? parseInt(argv.get(1), 1) : 1;
                args = new ArrayList<>(args.subList(Math.min(n, args.size()), args.size()));
            }
            case ":", "true" -> {
            }
            case "export" -> {
                for (String a : argv.subList(1, argv.size())) {
                    int eq = a.indexOf('=');
                    if (eq > 0) {
                        vars.put(a.substring(0, eq), a.substring(eq + 1));
                        exported.put(a.substring(0, eq), a.substring(eq + 1));
                    } else if (vars.containsKey(a)) {
                        exported.put(a, vars.get(a));
                    } else if (!a.startsWith("-")) {
                        block(line, "exports " + a + " from the run-time environment");
                    }
                }
            }
            case "unset" -> argv.subList(1, argv.size()).forEach(vars::remove);
            case "echo", "printf" -> {
                if (files.isEmpty()) {
                    notes.add(new ScriptAnalysis.Issue(line, "prints a message (" + cmd + ")"));
                } else {
                    builtin = false;  // it writes a file: a step like any other
                }
            }
            case ".", "source" -> block(line, "sources another script"
                    + (argv.size() > 1 ? " (" + argv.get(1) + ")" : ""));
            case "eval" -> block(line, "eval");
            case "trap" -> block(line, "trap: signal handling in the shell");
            case "wait" -> block(line, "waits for background jobs");
            case "cd" -> changeDirectory(argv, line);
            case "umask" -> builtin = argv.size() == 1;  // setting it is a step (who runs the program decides it)
            case "ulimit" -> block(line, "sets resource limits (ulimit)");
            case "read" -> block(line, "reads input");
            case "[", "test" -> block(line, "test outside an if: the exit status decides what runs");
            case "false", "exit", "return" -> {
                block(line, "'" + cmd + "' ends the script before a program runs");
                finished = true;
            }
            default -> builtin = false;
        }
        if (builtin) {
            fileRedirections(files, line);
            return;
        }
        Map<String, String> env = new LinkedHashMap<>(exported);
        assignments.forEach((k, v) -> {
            if (v != null) {
                env.put(k, v);
            }
        });
        pending = new Step(line, text(words), argv, files, env, cwd == null ? "" : cwd, inIdentityBranch());
        pendingFiles = files;
    }

    /** The command as written, its words joined by one space ({@code 2>} kept together). */
    private static String text(List<Token> words) {
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < words.size(); k++) {
            Token t = words.get(k);
            boolean fdBefore = k > 0 && t.type() == Token.Type.OPERATOR && words.get(k - 1).plainWord() != null
                    && words.get(k - 1).plainWord().matches("\\d+");
            if (out.length() > 0 && !fdBefore) {
                out.append(' ');
            }
            out.append(t.text());
        }
        return out.toString();
    }

    /** A command follows one run without exec: that one ran before the program, a step. */
    private void pendingCheck() {
        if (pending != null) {
            steps.add(pending);
            pending = null;
            pendingFiles = null;
        }
    }

    /** Redirections of the program itself or of a builtin: files it writes or reads at run time need a shell. */
    private void fileRedirections(List<Step.Redirect> files, int line) {
        if (files == null) {
            return;
        }
        for (Step.Redirect r : files) {
            block(line, r.writes() ? "writes a file (" + r.target() + ")" : "reads a file as input (" + r.target() + ")");
        }
    }

    /** {@code cd DIR}: later commands and the program run there. */
    private void changeDirectory(List<String> argv, int line) {
        String target = argv.size() == 2 ? argv.get(1) : null;
        if (target == null || target.equals("-") || target.isEmpty()) {
            block(line, "changes directory" + (argv.size() > 1 ? " to " + String.join(" ", argv.subList(1, argv.size()))
                    : " to $HOME"));
            return;
        }
        if (!target.startsWith("/") && (cwd == null || cwd.isEmpty())) {
            block(line, "changes directory to " + target + ", relative to a working directory that is not known");
            return;
        }
        cwd = dev.distill.engine.fs.Paths.normalize(target.startsWith("/") ? target : cwd + "/" + target);
    }

    private void set(List<String> a, int line) {
        for (int k = 0; k < a.size(); k++) {
            String s = a.get(k);
            if (s.equals("--")) {
                args = new ArrayList<>(a.subList(k + 1, a.size()));
                return;
            }
            if (s.equals("-o") || s.equals("+o")) {
                k++;
                continue;
            }
            if (!(s.startsWith("-") || s.startsWith("+"))) {
                args = new ArrayList<>(a.subList(k, a.size()));
                return;
            }
        }
    }

    /**
     * A redirection: a here-document, or a file whose name is not known statically, needs a shell; a duplicated
     * descriptor or a standard device is harmless; a file named statically is added to {@code files}, for the
     * command to carry (a step) or to be refused (the program, a builtin).
     */
    private void redirection(Token op, Token fd, Token target, List<Step.Redirect> files) {
        int line = op.line();
        if (op.text().startsWith("<<")) {
            block(line, "here-document");
            return;
        }
        String t;
        try {
            t = target == null ? null : String.join("", expandWord(target, false));
        } catch (Unknown u) {
            block(line, (op.text().startsWith(">") ? "writes" : "reads") + " a file named at run time ("
                    + target.text() + ": " + u.getMessage() + ")");
            return;
        }
        if (t == null || t.isEmpty()) {
            block(line, "redirection without a target");
            return;
        }
        if (op.isOperator(">&") || op.isOperator("<&")) {
            if (t.matches("\\d+") || t.equals("-")) {
                return;
            }
        }
        if (SAFE_DEVICES.contains(t)) {
            return;
        }
        int descriptor = fd != null ? Integer.parseInt(fd.plainWord()) : op.text().startsWith("<") && !op.isOperator("<>") ? 0 : 1;
        String path = t.startsWith("/") || cwd == null || cwd.isEmpty() ? t
                : dev.distill.engine.fs.Paths.normalize(cwd + "/" + t);
        files.add(new Step.Redirect(descriptor, op.text(), path));
    }

    private List<String> expandAll(List<Token> words) throws Unknown {
        List<String> out = new ArrayList<>();
        for (Token w : words) {
            if (w.type() != Token.Type.WORD) {
                continue;
            }
            out.addAll(expandWord(w, true));
        }
        return out;
    }

    /** Expands one word to its fields; {@code split} applies field splitting to unquoted expansions. */
    private List<String> expandWord(Token w, boolean split) throws Unknown {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = null;  // null: no field started
        for (Token.Part p : w.parts()) {
            if (p instanceof Token.Literal l) {
                if (!l.quoted() && (l.text().indexOf('*') >= 0 || l.text().indexOf('?') >= 0) && split) {
                    throw new Unknown("pathname expansion of '" + w.text() + "'");
                }
                cur = cur == null ? new StringBuilder() : cur;
                cur.append(l.text());
            } else if (p instanceof Token.Substitution s) {
                String answer = context.identity() == null ? null : context.identity().substitute(s.text());
                if (answer == null) {
                    throw new Unknown("command substitution " + s.text());
                }
                identityUsed = true;
                cur = cur == null ? new StringBuilder() : cur;
                cur.append(answer);
            } else if (p instanceof Token.Param pa) {
                if (pa.expr().equals("@") || pa.expr().equals("*")) {
                    if (pa.quoted() && pa.expr().equals("@") && w.parts().size() == 1) {
                        return new ArrayList<>(args);
                    }
                    String joined = String.join(" ", args);
                    if (pa.quoted() || !split) {
                        cur = cur == null ? new StringBuilder() : cur;
                        cur.append(joined);
                    } else {
                        cur = splitInto(fields, cur, joined);
                    }
                    continue;
                }
                String value = param(pa.expr());
                if (pa.quoted() || !split) {
                    cur = cur == null ? new StringBuilder() : cur;
                    cur.append(value);
                } else {
                    cur = splitInto(fields, cur, value);
                }
            }
        }
        if (cur != null) {
            fields.add(cur.toString());
        }
        return fields;
    }

    private static StringBuilder splitInto(List<String> fields, StringBuilder cur, String value) {
        String[] pieces = value.split("[ \t\n]+", -1);
        for (int k = 0; k < pieces.length; k++) {
            if (k > 0) {
                if (cur != null && cur.length() > 0) {
                    fields.add(cur.toString());
                }
                cur = null;
            }
            if (!pieces[k].isEmpty()) {
                cur = cur == null ? new StringBuilder() : cur;
                cur.append(pieces[k]);
            }
        }
        return cur;
    }

    /** The value of {@code $expr} / {@code ${expr}}, or Unknown when the run-time environment decides it. */
    private String param(String expr) throws Unknown {
        if (expr.equals("#")) {
            return String.valueOf(args.size());
        }
        if (expr.startsWith("#") && expr.length() > 1) {
            return String.valueOf(param(expr.substring(1)).length());
        }
        int k = 0;
        while (k < expr.length() && (Character.isLetterOrDigit(expr.charAt(k)) || expr.charAt(k) == '_')) {
            k++;
        }
        if (k == 0) {
            throw new Unknown("$" + expr);
        }
        String name = expr.substring(0, k);
        String op = expr.substring(k);
        String value = lookup(name, op);
        if (op.isEmpty()) {
            if (value == null) {
                throw new Unknown("$" + name);
            }
            return value;
        }
        java.util.regex.Matcher sub = Pattern.compile(":(\\d+)(?::(\\d+))?").matcher(op);
        if (sub.matches()) {  // bash ${1:offset:length}
            String v = value == null ? "" : value;
            int from = Math.min(Integer.parseInt(sub.group(1)), v.length());
            int to = sub.group(2) == null ? v.length() : Math.min(v.length(), from + Integer.parseInt(sub.group(2)));
            return v.substring(from, to);
        }
        for (String o : new String[] {":-", ":=", ":+", "##", "%%", "-", "=", "+", "#", "%"}) {
            if (op.startsWith(o)) {
                String word = op.substring(o.length());
                return switch (o) {
                    case ":-", "-" -> value == null || (o.equals(":-") && value.isEmpty()) ? word : value;
                    case ":+", "+" -> value == null || (o.equals(":+") && value.isEmpty()) ? "" : word;
                    case ":=", "=" -> {
                        if (value == null || value.isEmpty()) {
                            vars.put(name, word);
                            yield word;
                        }
                        yield value;
                    }
                    default -> strip(value == null ? "" : value, word, o);  // an unset positional is empty
                };
            }
        }
        throw new Unknown("${" + expr + "}");
    }

    /** The value of a name, null when unset but known to be unset; throws when the environment decides. */
    private String lookup(String name, String op) throws Unknown {
        if (name.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(name);
            if (n == 0) {
                return scriptName;
            }
            return n <= args.size() ? args.get(n - 1) : (op.isEmpty() ? "" : null);
        }
        if (vars.containsKey(name)) {
            return vars.get(name);
        }
        throw new Unknown("$" + name);
    }

    private static String strip(String value, String pattern, String op) {
        Pattern re = Pattern.compile(globToRegex(pattern));
        boolean longest = op.length() == 2;
        if (op.startsWith("#")) {
            int best = -1;
            for (int end = 0; end <= value.length(); end++) {
                if (re.matcher(value.substring(0, end)).matches()) {
                    best = end;
                    if (!longest) {
                        break;
                    }
                }
            }
            return best < 0 ? value : value.substring(best);
        }
        int best = -1;
        for (int start = value.length(); start >= 0; start--) {
            if (re.matcher(value.substring(start)).matches()) {
                best = start;
                if (!longest) {
                    break;
                }
            }
        }
        return best < 0 ? value : value.substring(0, best);
    }

    private static String globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return re.toString();
    }

    private static int parseInt(String s, int fallback) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
