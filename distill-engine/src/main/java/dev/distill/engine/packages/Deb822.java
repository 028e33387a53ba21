package dev.distill.engine.packages;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The paragraphs of a deb822 file (dpkg's status, a copyright file), each kept as its exact text: records are
 * written back as the database wrote them, so nothing is reformatted on the way.
 */
final class Deb822 {

    private Deb822() {
    }

    /** The paragraphs, split at blank (or whitespace-only) lines; each without its trailing newline. */
    static List<String> paragraphs(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.isBlank()) {
                if (current.length() > 0) {
                    out.add(current.toString());
                    current.setLength(0);
                }
                continue;
            }
            if (current.length() > 0) {
                current.append('\n');
            }
            current.append(line);
        }
        if (current.length() > 0) {
            out.add(current.toString());
        }
        return out;
    }

    /** The first line of a field (case-insensitive name), stripped; empty when the paragraph has no such field. */
    static Optional<String> field(String paragraph, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        for (String line : paragraph.split("\n")) {
            if (!line.isEmpty() && line.charAt(0) != ' ' && line.charAt(0) != '\t'
                    && line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                return Optional.of(line.substring(prefix.length()).strip());
            }
        }
        return Optional.empty();
    }

    /** The continuation lines of a field, stripped, without the first line. */
    static List<String> continuation(String paragraph, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        List<String> out = new ArrayList<>();
        boolean inField = false;
        for (String line : paragraph.split("\n")) {
            boolean continues = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (!continues) {
                inField = line.toLowerCase(Locale.ROOT).startsWith(prefix);
            } else if (inField) {
                out.add(line.strip());
            }
        }
        return out;
    }
}
