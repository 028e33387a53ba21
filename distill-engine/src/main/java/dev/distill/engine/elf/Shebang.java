package dev.distill.engine.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The {@code #!} line of a script, split as Linux does: the interpreter path up to the first blank, then the
 * rest of the line (trimmed) as one optional argument. Linux reads at most 256 bytes of it (since 5.1).
 * {@code #!/usr/bin/env prog} is recognised: {@link #program()} names what env will look up on PATH
 * ({@code env -S} splitting is understood; other env options are skipped).
 *
 * @param interpreter the path after {@code #!}
 * @param argument the single argument Linux passes, or null
 */
public record Shebang(String interpreter, String argument) {

    /** The kernel's BINPRM_BUF_SIZE: bytes of the first line it looks at. */
    public static final int MAX_LINE = 256;

    public Shebang {
        if (interpreter == null || interpreter.isEmpty()) {
            throw new IllegalArgumentException("a shebang needs an interpreter");
        }
    }

    /** Parses the start of a file; empty when it does not start with {@code #!} or names no interpreter. */
    public static Optional<Shebang> parse(byte[] head) {
        if (head.length < 2 || head[0] != '#' || head[1] != '!') {
            return Optional.empty();
        }
        int end = 2;
        int limit = Math.min(head.length, MAX_LINE);
        while (end < limit && head[end] != '\n') {
            end++;
        }
        String line = new String(head, 2, end - 2, StandardCharsets.UTF_8);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        line = stripBlanks(line);
        if (line.isEmpty()) {
            return Optional.empty();
        }
        int blank = 0;
        while (blank < line.length() && line.charAt(blank) != ' ' && line.charAt(blank) != '\t') {
            blank++;
        }
        String interp = line.substring(0, blank);
        String arg = stripBlanks(line.substring(blank));
        return Optional.of(new Shebang(interp, arg.isEmpty() ? null : arg));
    }

    /** Whether the interpreter is {@code env} ({@code /usr/bin/env}, {@code /bin/env}). */
    public boolean usesEnv() {
        return interpreter.equals("env") || interpreter.endsWith("/env");
    }

    /** For {@code env}: the program it runs (looked up on PATH), else the interpreter itself. */
    public Optional<String> program() {
        if (!usesEnv()) {
            return Optional.of(interpreter);
        }
        List<String> words = envWords();
        for (String w : words) {
            if (!w.startsWith("-") && !w.contains("=")) {
                return Optional.of(w);
            }
        }
        return Optional.empty();
    }

    /** For {@code env}: the arguments after the program; else the single argument, if any. */
    public List<String> programArguments() {
        if (!usesEnv()) {
            return argument == null ? List.of() : List.of(argument);
        }
        List<String> words = envWords();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (!w.startsWith("-") && !w.contains("=")) {
                return List.copyOf(words.subList(i + 1, words.size()));
            }
        }
        return List.of();
    }

    private List<String> envWords() {
        if (argument == null) {
            return List.of();
        }
        // Without -S, env gets the whole rest as one word; with -S it splits it on blanks.
        String a = argument;
        if (a.startsWith("-S")) {
            a = a.substring(2);
        } else if (a.startsWith("--split-string=")) {
            a = a.substring("--split-string=".length());
        } else if (!a.startsWith("-")) {
            return List.of(a);
        }
        return new ArrayList<>(Arrays.stream(a.trim().split("[ \t]+")).filter(w -> !w.isEmpty()).toList());
    }

    private static String stripBlanks(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && (s.charAt(b) == ' ' || s.charAt(b) == '\t')) {
            b++;
        }
        while (e > b && (s.charAt(e - 1) == ' ' || s.charAt(e - 1) == '\t')) {
            e--;
        }
        return s.substring(b, e);
    }
}
