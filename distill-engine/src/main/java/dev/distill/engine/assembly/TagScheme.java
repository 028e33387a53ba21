package dev.distill.engine.assembly;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How result images are tagged, beside their source: {@code {tag}-distroless} for a single program and
 * {@code {tag}-distroless-{program}} for one image per supervisord program. {@code {tag}} is the source's tag
 * (or {@code sha256-<12 hex>} when it was pushed by digest only).
 */
public record TagScheme(String single, String perProgram) {

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    public static TagScheme defaults() {
        return new TagScheme("{tag}-distroless", "{tag}-distroless-{program}");
    }

    public TagScheme {
        if (single == null || !single.contains("{tag}")) {
            throw new IllegalArgumentException("the single-program tag scheme needs {tag}, got '" + single + "'");
        }
        if (perProgram == null || !perProgram.contains("{tag}") || !perProgram.contains("{program}")) {
            throw new IllegalArgumentException("the per-program tag scheme needs {tag} and {program}, got '" + perProgram + "'");
        }
    }

    /**
     * @param sourceTag the source's tag, or null when it was pushed by digest
     * @param sourceDigestHex the source manifest digest's hex, for a source without a tag
     */
    public String tag(String sourceTag, String sourceDigestHex, String program, boolean onlyProgram) {
        String base = sourceTag != null ? sourceTag : "sha256-" + sourceDigestHex.substring(0, 12);
        String tag = (onlyProgram ? single : perProgram).replace("{tag}", base).replace("{program}", tagSafe(program));
        if (tag.length() > 128) {
            tag = tag.substring(0, 128);
        }
        if (!TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("the tag scheme gives '" + tag + "', which is not a valid tag");
        }
        return tag;
    }

    /** Program names come from supervisord sections: keep letters, digits, '.', '_' and '-'. */
    static String tagSafe(String program) {
        String safe = program.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[.-]+", "");
        return safe.isEmpty() ? "program" : safe;
    }
}
