package dev.distill.engine.packages;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads apk's installed database ({@code /lib/apk/db/installed}): records separated by blank lines, one
 * {@code X:value} field per line; {@code F:} names a directory the package owns (with an optional {@code M:}
 * line), {@code R:} a file in the directory above it (with optional {@code a:} and {@code Z:} lines).
 */
final class ApkDatabase {

    static final String INSTALLED = "/lib/apk/db/installed";
    /** The fields that describe files; everything else belongs to the package's record. */
    private static final Set<Character> FILE_FIELDS = Set.of('F', 'M', 'R', 'a', 'Z');

    private ApkDatabase() {
    }

    static List<InstalledPackage> read(String text, ImagePaths image, List<String> problems) {
        List<InstalledPackage> out = new ArrayList<>();
        int lineNumber = 0;
        Builder current = null;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            if (line.length() < 2) {
                if (current != null) {
                    current.finish(image, problems).ifPresent(out::add);
                    current = null;
                }
                continue;
            }
            if (line.charAt(1) != ':') {
                problems.add(INSTALLED + ":" + lineNumber + ": not a 'X:value' line, skipped: '" + shorten(line) + "'");
                continue;
            }
            if (current == null) {
                current = new Builder(lineNumber);
            }
            current.add(line.charAt(0), line.substring(2), lineNumber, problems);
        }
        if (current != null) {
            current.finish(image, problems).ifPresent(out::add);
        }
        return out;
    }

    /** apk's {@code L:}: an SPDX expression is one licence; otherwise names separated by spaces. */
    static List<String> licenses(String field) {
        if (field == null || field.isBlank()) {
            return List.of();
        }
        String value = field.strip();
        if (value.matches(".*\\s(AND|OR|WITH)\\s.*")) {
            return List.of(value);
        }
        return Arrays.stream(value.split("\\s+")).distinct().toList();
    }

    private static final class Builder {
        private final int startLine;
        private final StringBuilder record = new StringBuilder();
        private final Map<String, String> fields = new LinkedHashMap<>();
        private final Map<String, String> directories = new LinkedHashMap<>();
        private final List<String[]> files = new ArrayList<>(); // listed path, attributes, checksum
        private String directory;
        private boolean filesStarted;

        Builder(int startLine) {
            this.startLine = startLine;
        }

        void add(char field, String value, int lineNumber, List<String> problems) {
            switch (field) {
                case 'F' -> {
                    directory = value;
                    directories.put(value, "");
                    filesStarted = true;
                }
                case 'M' -> {
                    if (directory != null) {
                        directories.put(directory, value);
                    }
                }
                case 'R' -> {
                    if (directory == null) {
                        problems.add(INSTALLED + ":" + lineNumber + ": R:" + value + " before any F: line, skipped");
                        return;
                    }
                    files.add(new String[] {directory.isEmpty() ? "/" + value : "/" + directory + "/" + value, null, null});
                }
                case 'a' -> {
                    if (!files.isEmpty()) {
                        files.get(files.size() - 1)[1] = value;
                    }
                }
                case 'Z' -> {
                    if (!files.isEmpty()) {
                        files.get(files.size() - 1)[2] = value;
                    }
                }
                default -> {
                    if (!filesStarted || !FILE_FIELDS.contains(field)) {
                        record.append(field).append(':').append(value).append('\n');
                        fields.putIfAbsent(String.valueOf(field), value);
                    }
                }
            }
        }

        Optional<InstalledPackage> finish(ImagePaths image, List<String> problems) {
            String name = fields.getOrDefault("P", "");
            String version = fields.getOrDefault("V", "");
            if (name.isEmpty() || version.isEmpty()) {
                problems.add(INSTALLED + ":" + startLine + ": a record without P: or V: is skipped");
                return Optional.empty();
            }
            Map<String, PackageFile> found = new LinkedHashMap<>();
            for (String[] f : files) {
                Optional<FileEntry> entry = image.find(f[0]);
                if (entry.isEmpty() || entry.get().isDirectory()) {
                    continue;
                }
                FileEntry e = entry.get();
                found.putIfAbsent(e.path(), new PackageFile(e.path(), f[0], e.type() == FileType.REGULAR ? e.size() : 0,
                        f[2], f[1]));
            }
            return Optional.of(new InstalledPackage(PackageManager.APK, name, version, fields.getOrDefault("A", ""),
                    fields.get("o"), null, licenses(fields.get("L")), record.toString(), INSTALLED,
                    List.copyOf(found.values()), directories, null));
        }
    }

    private static String shorten(String line) {
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }
}
