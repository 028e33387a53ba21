package dev.distill.engine.packages;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads dpkg's database as an image has it: stanzas from {@code /var/lib/dpkg/status} (with each package's
 * {@code info/<package>[:<arch>].list} and {@code .md5sums}) or from distroless's {@code status.d/<package>} (whose
 * only file list is {@code status.d/<package>.md5sums}).
 */
final class DpkgDatabase {

    static final String STATUS = "/var/lib/dpkg/status";
    static final String STATUS_D = "/var/lib/dpkg/status.d/";
    static final String INFO = "/var/lib/dpkg/info/";
    static final String DOCS = "/usr/share/doc/";
    private static final Pattern SOURCE = Pattern.compile("(\\S+)(?:\\s+\\((.+)\\))?");
    private static final Pattern MD5_LINE = Pattern.compile("([0-9a-fA-F]{32}) [ *](.+)");

    private DpkgDatabase() {
    }

    /** The database files a reader keeps from the pass: status, status.d/*, info/*.list and info/*.md5sums. */
    static boolean isDatabaseFile(String path) {
        return path.equals(STATUS) || path.startsWith(STATUS_D) && path.indexOf('/', STATUS_D.length()) < 0
                || path.startsWith(INFO) && path.indexOf('/', INFO.length()) < 0
                        && (path.endsWith(".list") || path.endsWith(".md5sums"));
    }

    /** {@code /usr/share/doc/<package>/copyright}: read for its licences. */
    static boolean isCopyright(String path) {
        if (!path.startsWith(DOCS) || !path.endsWith("/copyright")) {
            return false;
        }
        String middle = path.substring(DOCS.length(), path.length() - "/copyright".length());
        return !middle.isEmpty() && middle.indexOf('/') < 0;
    }

    /**
     * @param files the kept database files by path
     * @param licenses the licences of every copyright file the pass read, by path
     */
    static List<InstalledPackage> read(Map<String, String> files, Map<String, List<String>> licenses, ImagePaths image,
            List<String> sources, List<String> problems) {
        List<InstalledPackage> out = new ArrayList<>();
        String status = files.get(STATUS);
        if (status != null) {
            sources.add(STATUS);
            for (String stanza : Deb822.paragraphs(status)) {
                parse(stanza, STATUS, problems).filter(DpkgDatabase::isInstalled).ifPresent(s -> out.add(
                        installed(s, STATUS, infoFile(files, s, ".list"), infoFile(files, s, ".md5sums"), licenses, image, problems)));
            }
        }
        files.keySet().stream().filter(p -> p.startsWith(STATUS_D) && !p.endsWith(".md5sums")).sorted().forEach(path -> {
            sources.add(path);
            for (String stanza : Deb822.paragraphs(files.get(path))) {
                parse(stanza, path, problems).filter(DpkgDatabase::isInstalled).ifPresent(s -> {
                    String md5sums = files.get(STATUS_D + s.name + ":" + s.architecture + ".md5sums");
                    if (md5sums == null) {
                        md5sums = files.get(STATUS_D + s.name + ".md5sums");
                    }
                    out.add(installed(s, path, null, md5sums, licenses, image, problems));
                });
            }
        });
        return out;
    }

    /** A parsed stanza: its text and the fields that identify it. */
    private record Stanza(String text, String name, String version, String architecture, String status, String source,
            String sourceVersion) {
    }

    private static Optional<Stanza> parse(String text, String file, List<String> problems) {
        String name = Deb822.field(text, "Package").orElse("");
        String version = Deb822.field(text, "Version").orElse("");
        if (name.isEmpty() || version.isEmpty()) {
            problems.add(file + ": a stanza without Package or Version is skipped (starts '" + firstLine(text) + "')");
            return Optional.empty();
        }
        String source = null;
        String sourceVersion = null;
        Optional<String> sourceField = Deb822.field(text, "Source");
        if (sourceField.isPresent()) {
            Matcher m = SOURCE.matcher(sourceField.get());
            if (m.matches()) {
                source = m.group(1);
                sourceVersion = m.group(2);
            }
        }
        return Optional.of(new Stanza(text, name, version, Deb822.field(text, "Architecture").orElse(""),
                Deb822.field(text, "Status").orElse(null), source, sourceVersion));
    }

    /**
     * Whether the package has files on disk: every state but {@code not-installed} (a stanza dpkg keeps only for
     * its selection). distroless's records have no Status at all: installed.
     */
    private static boolean isInstalled(Stanza s) {
        if (s.status() == null) {
            return true;
        }
        String[] words = s.status().split("\\s+");
        return !words[words.length - 1].toLowerCase(Locale.ROOT).equals("not-installed");
    }

    private static String infoFile(Map<String, String> files, Stanza s, String suffix) {
        String text = files.get(INFO + s.name() + ":" + s.architecture() + suffix);
        return text != null ? text : files.get(INFO + s.name() + suffix);
    }

    private static InstalledPackage installed(Stanza s, String recordPath, String list, String md5sums,
            Map<String, List<String>> licenses, ImagePaths image, List<String> problems) {
        Map<String, String> md5 = md5sums(md5sums, recordPath, s.name(), problems);
        Set<String> listed = new LinkedHashSet<>();
        if (list != null) {
            for (String line : list.split("\n")) {
                if (!line.isEmpty() && !line.equals("/.")) {
                    listed.add(line);
                }
            }
        } else {
            listed.addAll(md5.keySet()); // distroless: the md5sums are the only file list
        }
        for (String conffile : conffiles(s.text())) {
            listed.add(conffile);
        }
        // A list names the package's directories too; in a usr-merged image /lib is a link, not the package's file.
        Set<String> directories = new HashSet<>();
        for (String path : listed) {
            for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
                if (!directories.add(path.substring(0, slash))) {
                    break;
                }
            }
        }
        Map<String, PackageFile> files = new LinkedHashMap<>();
        for (String path : listed) {
            if (directories.contains(path)) {
                continue;
            }
            Optional<FileEntry> entry = image.find(path);
            if (entry.isEmpty() || entry.get().isDirectory()) {
                continue; // directories are shared by many packages; a missing file is gone from the image already
            }
            FileEntry e = entry.get();
            files.putIfAbsent(e.path(), new PackageFile(e.path(), path, e.type() == FileType.REGULAR ? e.size() : 0,
                    md5.get(path), null));
        }
        // /usr/share/doc/<package> may link to another package's directory: its licence still applies, but the
        // copyright file is that package's, not one this package's record can claim.
        String copyright = DOCS + s.name() + "/copyright";
        List<String> declared = image.resolve(copyright).map(e -> licenses.get(e.path())).orElse(List.of());
        Optional<FileEntry> own = image.find(copyright);
        if (own.isEmpty() || !own.get().isRegular() || !own.get().path().equals(copyright)) {
            copyright = null;
        }
        return new InstalledPackage(PackageManager.DPKG, s.name(), s.version(), s.architecture(), s.source(),
                s.sourceVersion() == null || s.sourceVersion().equals(s.version()) ? null : s.sourceVersion(), declared,
                s.text(), recordPath, List.copyOf(files.values()), Map.of(), copyright);
    }

    /** {@code md5  relative/path} lines, as absolute paths. */
    static Map<String, String> md5sums(String text, String where, String name, List<String> problems) {
        Map<String, String> out = new HashMap<>();
        if (text == null) {
            return out;
        }
        int bad = 0;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Matcher m = MD5_LINE.matcher(line);
            if (!m.matches()) {
                bad++;
                continue;
            }
            String path = m.group(2);
            out.put(path.startsWith("/") ? path : "/" + path, m.group(1).toLowerCase(Locale.ROOT));
        }
        if (bad > 0) {
            problems.add(where + ": " + bad + " md5sums line(s) of " + name + " are not '<md5>  <path>' and are skipped");
        }
        return out;
    }

    /** The paths of a stanza's {@code Conffiles:} (each line {@code <path> <md5> [obsolete]}). */
    static List<String> conffiles(String stanza) {
        List<String> out = new ArrayList<>();
        for (String line : Deb822.continuation(stanza, "Conffiles")) {
            String[] parts = line.split("\\s+");
            if (parts.length >= 2 && parts[0].startsWith("/")) {
                out.add(parts[0]);
            }
        }
        return out;
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
