package dev.distill.engine.detect.surface;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import dev.distill.engine.detect.shell.EntrypointResult;
import dev.distill.engine.detect.shell.ShellDetector;
import dev.distill.engine.detect.supervisord.SupervisordDetector;
import dev.distill.engine.detect.supervisord.SupervisordResult;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Inventories the attack surface: tools on the executable paths by name, setuid/setgid files, package
 * databases, the OS and the C library.
 */
public final class SurfaceDetector implements Detector<SurfaceResult> {

    public static final String NAME = "surface";

    static final Set<String> BIN_DIRS = Set.of("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin");
    private static final Map<SurfaceResult.Category, Pattern> TOOLS = new LinkedHashMap<>();

    static {
        TOOLS.put(SurfaceResult.Category.SHELL, Pattern.compile("sh|bash|ash|dash|zsh|ksh|mksh|csh|tcsh|fish|busybox"));
        TOOLS.put(SurfaceResult.Category.PACKAGE_MANAGER,
                Pattern.compile("apk|apt|apt-get|aptitude|dpkg|dpkg-deb|yum|dnf|microdnf|rpm|zypper|pip[0-9.]*|pecl|pear|composer|gem|npm|yarn"));
        TOOLS.put(SurfaceResult.Category.COMPILER, Pattern.compile(
                "(?:[a-z0-9_]+-linux-(?:gnu|musl)-)?(?:gcc|g\\+\\+|cc|c\\+\\+|clang|clang\\+\\+|cpp|ld|ld\\.bfd|ld\\.gold|as|tcc)(?:-[0-9.]+)?"
                        + "|make|gmake|cmake|autoconf|automake|libtool|phpize[0-9.]*|php-config[0-9.]*|go|rustc|javac"));
        TOOLS.put(SurfaceResult.Category.INTERPRETER, Pattern.compile(
                "python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*|lua[0-9.]*|tclsh[0-9.]*|java|jshell"));
        TOOLS.put(SurfaceResult.Category.NETWORK_TOOL, Pattern.compile(
                "curl|wget|nc|ncat|netcat|ssh|scp|sftp|telnet|socat|ftp|tftp|rsync|openssl"));
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * The kind of tool a file of this name is ({@code sh} a shell, {@code apt} a package manager), by the same
     * names the inventory uses; empty for anything else.
     */
    public static Optional<SurfaceResult.Category> categoryOf(String fileName) {
        for (Map.Entry<SurfaceResult.Category, Pattern> t : TOOLS.entrySet()) {
            if (t.getValue().matcher(fileName).matches()) {
                return Optional.of(t.getKey());
            }
        }
        return Optional.empty();
    }

    @Override
    public Detection<SurfaceResult> detect(DetectionContext ctx) {
        Findings findings = new Findings(NAME, ctx);
        Set<String> appPrograms = appPrograms(ctx);
        List<SurfaceResult.Item> items = new ArrayList<>();
        ctx.fs().entries().forEach(e -> {
            String dir = Paths.parent(e.path());
            String name = Paths.name(e.path());
            boolean executableKind = e.type() == FileType.REGULAR || e.type() == FileType.SYMLINK || e.type() == FileType.HARDLINK;
            if (BIN_DIRS.contains(dir) && executableKind) {
                for (Map.Entry<SurfaceResult.Category, Pattern> t : TOOLS.entrySet()) {
                    if (!t.getValue().matcher(name).matches()) {
                        continue;
                    }
                    Optional<FileEntry> target = ctx.resolve(e.path());
                    if (target.isEmpty()) {
                        break;  // dangling: nothing to run
                    }
                    if (t.getKey() == SurfaceResult.Category.INTERPRETER && appPrograms.contains(name)) {
                        findings.info(e.path(), name + " is an interpreter, but the application runs it: kept");
                        break;
                    }
                    items.add(new SurfaceResult.Item(t.getKey(), name, e.path(), target.get().path(),
                            nz(e.layerDigest()), target.get().mode()));
                    findings.add(Finding.Kind.INFO, e.path(), 0, describe(t.getKey()) + " " + e.path()
                            + (e.isSymlink() ? " (-> " + target.get().path() + ")" : "") + ": not carried into a distroless image",
                            Map.of("category", t.getKey().name()));
                    break;
                }
            }
            if (e.isRegular() && e.isSetuidOrSetgid()) {
                SurfaceResult.Category c = (e.mode() & 04000) != 0 ? SurfaceResult.Category.SETUID : SurfaceResult.Category.SETGID;
                items.add(new SurfaceResult.Item(c, name, e.path(), e.path(), nz(e.layerDigest()), e.mode()));
                findings.add(Finding.Kind.WARNING, e.path(), 0, (c == SurfaceResult.Category.SETUID ? "setuid" : "setgid")
                        + " file " + e.path() + " (mode " + String.format("%04o", e.mode()) + ", owner " + e.uid() + ":" + e.gid()
                        + "): a privilege-escalation path; the image builder cannot set these bits",
                        Map.of("mode", String.format("%04o", e.mode()), "owner", e.uid() + ":" + e.gid()));
            }
        });
        SurfaceResult.Os os = os(ctx, findings);
        SurfaceResult.Libc libc = libc(ctx, findings);
        SurfaceResult.Packages packages = packages(ctx, findings);
        return findings.done(new SurfaceResult(os, libc, packages, items));
    }

    private static String describe(SurfaceResult.Category c) {
        return switch (c) {
            case SHELL -> "shell";
            case PACKAGE_MANAGER -> "package manager";
            case COMPILER -> "compiler or build tool";
            case INTERPRETER -> "interpreter";
            case NETWORK_TOOL -> "network tool";
            case SETUID -> "setuid file";
            case SETGID -> "setgid file";
        };
    }

    /** Basenames of the programs the image runs (its command and supervisord programs). */
    private static Set<String> appPrograms(DetectionContext ctx) {
        Set<String> out = new HashSet<>();
        EntrypointResult entry = ctx.run(new ShellDetector()).result();
        if (!entry.programName().isEmpty() && entry.verdict() != EntrypointResult.Verdict.INTERPRETED) {
            out.add(entry.programName());
        }
        entry.hops().stream().filter(h -> h.kind() == EntrypointResult.HopKind.INTERPRETED_SCRIPT)
                .forEach(h -> out.add(interpreterName(h.interpreter())));
        SupervisordResult sup = ctx.run(new SupervisordDetector()).result();
        sup.programs().forEach(p -> out.add(p.programName()));
        return out;
    }

    private static String interpreterName(String shebang) {
        String[] parts = shebang.split("\\s+");
        String first = Paths.name(parts[0]);
        return first.equals("env") && parts.length > 1 ? parts[1] : first;
    }

    private static SurfaceResult.Os os(DetectionContext ctx, Findings findings) {
        for (String path : List.of("/etc/os-release", "/usr/lib/os-release")) {
            Optional<TextFile> t = ctx.readText(path, findings);
            if (t.isEmpty()) {
                continue;
            }
            Map<String, String> kv = osRelease(t.get().content());
            SurfaceResult.Os os = new SurfaceResult.Os(kv.getOrDefault("ID", ""), kv.getOrDefault("VERSION_ID", ""),
                    kv.getOrDefault("PRETTY_NAME", ""), path);
            findings.add(Finding.Kind.INFO, path, 0, "OS " + (os.prettyName().isEmpty() ? os.id() : os.prettyName())
                    + " (ID=" + os.id() + ", VERSION_ID=" + os.versionId() + ")", Map.of("id", os.id(), "versionId", os.versionId()));
            return os;
        }
        findings.warning("/etc/os-release", "no os-release: the OS is unknown");
        return SurfaceResult.Os.UNKNOWN;
    }

    /** os-release: KEY=value lines, values optionally in single or double quotes with backslash escapes. */
    public static Map<String, String> osRelease(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq <= 0) {
                continue;
            }
            String v = line.substring(eq + 1).strip();
            if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
                v = v.substring(1, v.length() - 1).replaceAll("\\\\(.)", "$1");
            }
            out.put(line.substring(0, eq).strip(), v);
        }
        return out;
    }

    private static SurfaceResult.Libc libc(DetectionContext ctx, Findings findings) {
        List<String> musl = new ArrayList<>(ctx.glob("/lib/ld-musl-*.so.1"));
        List<String> glibc = new ArrayList<>();
        for (String g : List.of("/lib64/ld-linux*.so.*", "/lib/ld-linux*.so.*", "/lib/ld64.so.*", "/lib64/ld64.so.*",
                "/usr/lib/ld-linux*.so.*", "/usr/lib64/ld-linux*.so.*")) {
            ctx.glob(g).stream().filter(p -> !glibc.contains(p)).forEach(glibc::add);
        }
        List<String> all = new ArrayList<>(musl);
        all.addAll(glibc);
        SurfaceResult.LibcKind kind = !musl.isEmpty() && !glibc.isEmpty() ? SurfaceResult.LibcKind.BOTH
                : !musl.isEmpty() ? SurfaceResult.LibcKind.MUSL : !glibc.isEmpty() ? SurfaceResult.LibcKind.GLIBC
                : SurfaceResult.LibcKind.NONE;
        if (kind == SurfaceResult.LibcKind.NONE) {
            findings.info("", "no dynamic loader: only static programs can run");
        } else {
            findings.add(kind == SurfaceResult.LibcKind.BOTH ? Finding.Kind.WARNING : Finding.Kind.INFO, all.get(0), 0,
                    "C library " + kind.name().toLowerCase() + " (loader " + String.join(", ", all) + ")"
                            + (kind == SurfaceResult.LibcKind.BOTH ? ": both musl and glibc loaders are present" : ""),
                    Map.of("libc", kind.name()));
        }
        return new SurfaceResult.Libc(kind, all);
    }

    private static SurfaceResult.Packages packages(DetectionContext ctx, Findings findings) {
        List<String> names = new ArrayList<>();
        int apk = -1;
        Optional<TextFile> apkDb = ctx.readText("/lib/apk/db/installed", findings);
        if (apkDb.isPresent()) {
            apk = 0;
            for (String line : apkDb.get().lines()) {
                if (line.startsWith("P:")) {
                    apk++;
                    names.add(line.substring(2).strip());
                }
            }
            findings.add(Finding.Kind.INFO, "/lib/apk/db/installed", 0, apk + " apk packages installed", Map.of("count", String.valueOf(apk)));
        }
        int dpkg = -1;
        List<String> sources = new ArrayList<>();
        Optional<TextFile> status = ctx.readText("/var/lib/dpkg/status", findings);
        if (status.isPresent()) {
            sources.add("/var/lib/dpkg/status");
            dpkg = dpkgInstalled(status.get().content(), names);
        }
        for (String f : ctx.glob("/var/lib/dpkg/status.d/*")) {
            if (f.endsWith(".md5sums") || !ctx.resolve(f).map(FileEntry::isRegular).orElse(false)) {
                continue;
            }
            Optional<TextFile> t = ctx.readText(f, findings);
            if (t.isPresent()) {
                sources.add(f);
                dpkg = Math.max(dpkg, 0) + dpkgInstalled(t.get().content(), names);
            }
        }
        if (dpkg >= 0) {
            findings.add(Finding.Kind.INFO, sources.get(0), 0, dpkg + " dpkg packages installed (from " + sources.size() + " file"
                    + (sources.size() == 1 ? "" : "s") + ")", Map.of("count", String.valueOf(dpkg)));
        }
        return new SurfaceResult.Packages(apk, dpkg, sources, names);
    }

    /** Counts stanzas with a Package: field whose Status (when given) ends in "installed". */
    static int dpkgInstalled(String text, List<String> names) {
        int count = 0;
        for (String stanza : text.split("\n\\s*\n")) {
            String pkg = null;
            String st = null;
            for (String line : stanza.split("\n")) {
                if (line.startsWith("Package:")) {
                    pkg = line.substring(8).strip();
                } else if (line.startsWith("Status:")) {
                    st = line.substring(7).strip();
                }
            }
            if (pkg != null && (st == null || st.endsWith(" installed"))) {
                count++;
                names.add(pkg);
            }
        }
        return count;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
