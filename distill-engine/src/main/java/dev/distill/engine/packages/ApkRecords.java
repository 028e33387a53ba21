package dev.distill.engine.packages;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes apk's installed database ({@code /lib/apk/db/installed}) for the packages an image carries files of: each
 * package's record as the source has it, then only the carried files, each under its directory ({@code F:}, with
 * its {@code M:}) with its {@code a:} and {@code Z:} lines. A package only part of which is carried gets apk's own
 * mark for a package whose files are not all in place, {@code f:f} ("broken files", what {@code apk fix} repairs):
 * apk-tools refuses a database with fields it does not know, so no field of our own is added.
 */
public final class ApkRecords {

    public static final String INSTALLED = ApkDatabase.INSTALLED;

    private ApkRecords() {
    }

    public static String installed(List<CarriedPackage> packages) {
        StringBuilder out = new StringBuilder();
        for (CarriedPackage c : packages) {
            if (c.installed().manager() != PackageManager.APK) {
                throw new IllegalArgumentException("package " + c.installed() + " is a " + c.installed().manager()
                        + " package, not an apk one");
            }
            boolean marked = false;
            for (String line : c.installed().record().split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                if (c.partial() && line.startsWith("f:")) {
                    out.append(line.indexOf('f', 2) >= 0 ? line : line + "f").append('\n');
                    marked = true;
                } else {
                    out.append(line).append('\n');
                }
            }
            if (c.partial() && !marked) {
                out.append("f:f\n");
            }
            Map<String, StringBuilder> byDirectory = new LinkedHashMap<>();
            for (PackageFile f : c.carried()) {
                String listed = f.databasePath().substring(1);
                int slash = listed.lastIndexOf('/');
                String dir = slash < 0 ? "" : listed.substring(0, slash);
                StringBuilder lines = byDirectory.computeIfAbsent(dir, d -> new StringBuilder());
                lines.append("R:").append(listed.substring(slash + 1)).append('\n');
                if (f.attributes() != null) {
                    lines.append("a:").append(f.attributes()).append('\n');
                }
                if (f.checksum() != null) {
                    lines.append("Z:").append(f.checksum()).append('\n');
                }
            }
            byDirectory.forEach((dir, lines) -> {
                out.append("F:").append(dir).append('\n');
                String acl = c.installed().directories().getOrDefault(dir, "");
                if (!acl.isEmpty()) {
                    out.append("M:").append(acl).append('\n');
                }
                out.append(lines);
            });
            out.append('\n');
        }
        return out.toString();
    }
}
