package dev.distill.engine.packages;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The licences a Debian copyright file declares, when it is machine-readable (DEP-5: its first paragraph has a
 * {@code Format:} field naming the copyright format). Free-form copyright files declare nothing a program can read
 * reliably, so they give no licence rather than a guess.
 */
final class DebianCopyright {

    private DebianCopyright() {
    }

    /** The short names of every {@code License:} field (its first line), in order, each once; empty when free-form. */
    static List<String> licenses(String text) {
        List<String> paragraphs = Deb822.paragraphs(text);
        if (paragraphs.isEmpty() || !Deb822.field(paragraphs.get(0), "Format").map(DebianCopyright::isDep5).orElse(false)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String paragraph : paragraphs) {
            Deb822.field(paragraph, "License").filter(v -> !v.isEmpty()).ifPresent(v -> {
                if (!out.contains(v)) {
                    out.add(v);
                }
            });
        }
        return out;
    }

    private static boolean isDep5(String format) {
        String f = format.toLowerCase(Locale.ROOT);
        return f.contains("copyright-format") || f.contains("dep5") || f.contains("dep-5");
    }
}
