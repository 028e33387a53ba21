package dev.distill.engine.debian;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A package's control paragraph, kept exactly as written (it becomes {@code /var/lib/dpkg/status.d/<package>},
 * which scanners read) together with its fields in their order.
 *
 * @param text the control file as the package wrote it
 * @param fields field name to value as written; a multi-line value keeps its continuation lines
 */
public record ControlFile(String text, Map<String, String> fields) {

    public ControlFile {
        if (text == null || fields == null) {
            throw new IllegalArgumentException("a control file needs its text and fields, got " + text + " / " + fields);
        }
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        for (String required : new String[] {"Package", "Version"}) {
            if (!fields.containsKey(required)) {
                throw new IllegalArgumentException("a control file needs a " + required + " field, got fields " + fields.keySet());
            }
        }
    }

    /** Parses one deb822 paragraph; continuation lines (starting with a space or tab) belong to the field above. */
    public static ControlFile parse(byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8);
        Map<String, String> fields = new LinkedHashMap<>();
        String current = null;
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            if (line.isEmpty()) {
                if (!fields.isEmpty()) {
                    current = null; // a paragraph's end; a package's control file has only one
                }
                continue;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (current == null) {
                    throw new IllegalArgumentException("control line " + lineNumber + " continues no field: '" + DebianPackageException.printable(line) + "'");
                }
                fields.put(current, fields.get(current) + "\n" + line);
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("control line " + lineNumber + " is not 'Field: value': '" + DebianPackageException.printable(line) + "'");
            }
            current = line.substring(0, colon);
            if (fields.containsKey(current)) {
                throw new IllegalArgumentException("control field " + current + " appears twice");
            }
            fields.put(current, line.substring(colon + 1).strip());
        }
        return new ControlFile(text, fields);
    }

    /** A field by name; names are case-insensitive, as in deb822. */
    public Optional<String> field(String name) {
        String value = fields.get(name);
        if (value != null) {
            return Optional.of(value);
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return fields.entrySet().stream().filter(e -> e.getKey().toLowerCase(Locale.ROOT).equals(lower)).map(Map.Entry::getValue).findFirst();
    }

    public String packageName() {
        return fields.get("Package");
    }

    public String version() {
        return fields.get("Version");
    }

    /** {@code amd64}, {@code arm64}, ... or {@code all}; empty if the field is missing. */
    public String architecture() {
        return field("Architecture").orElse("");
    }
}
