package dev.distill.engine.analysis;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ELF file of the image as its loader would see it.
 *
 * @param loader {@code GLIBC}, {@code MUSL}, {@code STATIC}, {@code UNKNOWN} or {@code NOT_ELF}
 * @param interpreter PT_INTERP, null for a static file
 * @param needed its own DT_NEEDED names, in order
 * @param resolved each needed name to the absolute path the loader would open in the image, or null
 * @param unresolved what could not be found anywhere in its closure, with the reason
 */
public record BinaryReport(String path, String layer, String loader, String interpreter, List<String> needed,
        Map<String, String> resolved, List<String> unresolved) {

    public BinaryReport {
        needed = needed == null ? List.of() : List.copyOf(needed);
        // Null values are meaningful here (not found), so no Map.copyOf.
        resolved = resolved == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(resolved));
        unresolved = unresolved == null ? List.of() : List.copyOf(unresolved);
    }
}
