package dev.distill.engine.detect.supervisord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One supervisor configuration file read like Python's RawConfigParser as supervisor sets it up:
 * {@code [section]} headers, {@code key = value} or {@code key: value} (keys lower-cased), whole-line
 * comments with {@code ;} or {@code #}, inline comments where {@code ;} or {@code #} follows whitespace,
 * indented lines continuing the previous value.
 */
public final class SupervisorIni {

    /** A value and the line its key is on. */
    public record Value(String text, int line) {
    }

    /** A section: name as written ({@code program:php-fpm}), its header line and options in order. */
    public record Section(String name, int line, Map<String, Value> options) {
        public String get(String key) {
            Value v = options.get(key);
            return v == null ? null : v.text();
        }

        public int lineOf(String key) {
            Value v = options.get(key);
            return v == null ? line : v.line();
        }
    }

    private SupervisorIni() {
    }

    public static List<Section> parse(String text) {
        List<Section> sections = new ArrayList<>();
        Map<String, Value> current = null;
        String lastKey = null;
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String raw = lines[n];
            String stripped = raw.strip();
            if (stripped.isEmpty() || stripped.startsWith(";") || stripped.startsWith("#")) {
                if (stripped.isEmpty()) {
                    lastKey = null;
                }
                continue;
            }
            if (Character.isWhitespace(raw.charAt(0)) && current != null && lastKey != null) {
                Value prev = current.get(lastKey);
                current.put(lastKey, new Value(prev.text() + "\n" + stripInline(stripped), prev.line()));
                continue;
            }
            if (stripped.startsWith("[")) {
                int end = stripped.indexOf(']');
                if (end < 0) {
                    throw new IllegalArgumentException("line " + (n + 1) + ": section header without ']': " + stripped);
                }
                String name = stripped.substring(1, end).strip();
                Section existing = sections.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
                if (existing != null) {
                    current = existing.options();
                } else {
                    current = new LinkedHashMap<>();
                    sections.add(new Section(name, n + 1, current));
                }
                lastKey = null;
                continue;
            }
            if (current == null) {
                throw new IllegalArgumentException("line " + (n + 1) + ": option outside any section: " + stripped);
            }
            int eq = indexOfDelimiter(stripped);
            if (eq <= 0) {
                throw new IllegalArgumentException("line " + (n + 1) + ": not 'key = value': " + stripped);
            }
            String key = stripped.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
            String value = stripInline(stripped.substring(eq + 1)).strip();
            current.put(key, new Value(value, n + 1));
            lastKey = key;
        }
        return sections;
    }

    private static int indexOfDelimiter(String s) {
        int eq = s.indexOf('=');
        int colon = s.indexOf(':');
        if (eq < 0) {
            return colon;
        }
        return colon < 0 ? eq : Math.min(eq, colon);
    }

    private static String stripInline(String value) {
        for (int i = 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c == ';' || c == '#') && Character.isWhitespace(value.charAt(i - 1))) {
                return value.substring(0, i).strip();
            }
        }
        return value;
    }
}
