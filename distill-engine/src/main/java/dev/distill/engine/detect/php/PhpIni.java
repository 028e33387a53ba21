package dev.distill.engine.detect.php;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file in PHP's INI dialect (php.ini, conf.d files, php-fpm.conf and pools): {@code [section]},
 * {@code key = value}, {@code ;} comments, double-quoted values, {@code ${VAR}} taken from the environment.
 */
public final class PhpIni {

    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    /**
     * One directive.
     *
     * @param section the section it is in, {@code ""} before any
     */
    public record Directive(String section, String key, String value, int line) {
    }

    private PhpIni() {
    }

    /**
     * Parses the text.
     *
     * @param env looks up {@code ${VAR}}; null for an unset variable (expands to nothing, like PHP)
     */
    public static List<Directive> parse(String text, Function<String, String> env) {
        List<Directive> out = new ArrayList<>();
        String section = "";
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                int end = line.indexOf(']');
                if (end < 0) {
                    throw new IllegalArgumentException("line " + (n + 1) + ": section without ']': " + line);
                }
                section = line.substring(1, end).strip();
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("line " + (n + 1) + ": not 'key = value': " + line);
            }
            String key = line.substring(0, eq).strip();
            String value = value(line.substring(eq + 1).strip(), n + 1);
            out.add(new Directive(section, key, expand(value, env), n + 1));
        }
        return out;
    }

    private static String value(String raw, int line) {
        if (raw.startsWith("\"")) {
            int end = raw.indexOf('"', 1);
            if (end < 0) {
                throw new IllegalArgumentException("line " + line + ": unterminated quote: " + raw);
            }
            return raw.substring(1, end);
        }
        if (raw.startsWith("'")) {
            int end = raw.indexOf('\'', 1);
            if (end < 0) {
                throw new IllegalArgumentException("line " + line + ": unterminated quote: " + raw);
            }
            return raw.substring(1, end);
        }
        int comment = raw.indexOf(';');
        return (comment >= 0 ? raw.substring(0, comment) : raw).strip();
    }

    private static String expand(String value, Function<String, String> env) {
        Matcher m = ENV.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.apply(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? "" : v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The last value of a key in the given directives (later files and lines win), or null. */
    public static String last(List<Directive> directives, String key) {
        String v = null;
        for (Directive d : directives) {
            if (d.key().equals(key)) {
                v = d.value();
            }
        }
        return v;
    }
}
