package dev.distill.engine.packages;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Writes what distroless images hold for each package, {@code /var/lib/dpkg/status.d/<package>} and
 * {@code <package>.md5sums}, for the part of a package an image carries.
 *
 * <p>The record is the source's stanza, line for line (its {@code Status:} included, so the records concatenated are
 * a status file dpkg itself reads), with two changes when only part of the package is carried: the
 * {@code Conffiles:} lines of files not carried are left out, and a {@code Distill-Partial:} field says how many of
 * its files are there. The md5sums list only carried files: a scanner (or {@code dpkg --verify}) checks what is
 * there and never reports the left-out files as modified or missing.
 */
public final class DpkgRecords {

    /** The field that marks a package only part of which is in the image; dpkg keeps unknown fields as they are. */
    public static final String PARTIAL_FIELD = "Distill-Partial";
    public static final String STATUS_DIRECTORY = "/var/lib/dpkg/status.d/";

    private DpkgRecords() {
    }

    /** The status.d record of the carried part of a package. */
    public static String record(CarriedPackage carried) {
        InstalledPackage p = carried.installed();
        Set<String> keptConffiles = new HashSet<>();
        carried.carried().forEach(f -> keptConffiles.add(f.databasePath()));
        StringBuilder out = new StringBuilder();
        boolean inConffiles = false;
        for (String line : p.record().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            boolean continuation = line.charAt(0) == ' ' || line.charAt(0) == '\t';
            if (!continuation) {
                inConffiles = line.toLowerCase(Locale.ROOT).startsWith("conffiles:");
                if (line.regionMatches(true, 0, PARTIAL_FIELD + ":", 0, PARTIAL_FIELD.length() + 1)) {
                    continue; // a record Distill wrote before: the count is made again below
                }
            } else if (inConffiles) {
                String path = line.strip().split("\\s+")[0];
                if (!keptConffiles.contains(path)) {
                    continue;
                }
            }
            out.append(line).append('\n');
        }
        String text = dropEmptyConffiles(out.toString());
        if (carried.partial()) {
            text += PARTIAL_FIELD + ": " + carried.carried().size() + " of " + p.files().size() + " files carried\n";
        }
        return text;
    }

    /** The md5sums of the carried files that have one ({@code md5  relative/path}); null when none has. */
    public static String md5sums(CarriedPackage carried) {
        StringBuilder out = new StringBuilder();
        for (PackageFile f : carried.carried()) {
            if (f.checksum() != null) {
                out.append(f.checksum()).append("  ").append(f.databasePath().substring(1)).append('\n');
            }
        }
        return out.length() == 0 ? null : out.toString();
    }

    /**
     * Where a package's record goes: {@code status.d/<package>}, as distroless names it ({@code <package>:<arch>}
     * would not be found by scanners that look for {@code <package>.md5sums}).
     */
    public static String recordPath(InstalledPackage p) {
        return STATUS_DIRECTORY + p.name();
    }

    public static String md5sumsPath(InstalledPackage p) {
        return STATUS_DIRECTORY + p.name() + ".md5sums";
    }

    private static String dropEmptyConffiles(String text) {
        List<String> lines = List.of(text.split("\n"));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            boolean emptyConffiles = line.toLowerCase(Locale.ROOT).matches("conffiles:\\s*")
                    && (i + 1 >= lines.size() || !(lines.get(i + 1).startsWith(" ") || lines.get(i + 1).startsWith("\t")));
            if (!emptyConffiles && !line.isEmpty()) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
