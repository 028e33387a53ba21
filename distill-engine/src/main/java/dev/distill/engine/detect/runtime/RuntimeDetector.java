package dev.distill.engine.detect.runtime;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.programs.ProgramsDetector;
import dev.distill.engine.detect.programs.ProgramsResult;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Finds certificates, time zone data, NSS configuration and modules, and application directories. */
public final class RuntimeDetector implements Detector<RuntimeResult> {

    public static final String NAME = "runtime";

    static final List<String> BUNDLES = List.of(
            "/etc/ssl/certs/ca-certificates.crt",             // Debian, Ubuntu, Alpine, distroless
            "/etc/pki/tls/certs/ca-bundle.crt",               // Fedora, RHEL
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/ssl/ca-bundle.pem",                         // openSUSE
            "/etc/pki/tls/cacert.pem",
            "/etc/ssl/cert.pem");                             // Alpine, OpenSSL's default
    static final List<String> GLIBC_LOADERS = List.of("/lib64/ld-linux*.so.*", "/lib/ld-linux*.so.*", "/lib/ld64.so.*",
            "/lib64/ld64.so.*", "/usr/lib/ld-linux*.so.*", "/usr/lib64/ld-linux*.so.*");
    static final List<String> LIB_DIRS = List.of("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu");
    private static final Set<String> BUILT_IN_SERVICES = Set.of("files", "dns");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Detection<RuntimeResult> detect(DetectionContext ctx) {
        Findings findings = new Findings(NAME, ctx);
        RuntimeResult.Certificates certs = certificates(ctx, findings);
        RuntimeResult.TimeZones tz = timeZones(ctx, findings);
        RuntimeResult.Nss nss = nss(ctx, findings);
        List<RuntimeResult.AppDirectory> apps = appDirectories(ctx, findings);
        return findings.done(new RuntimeResult(certs, tz, nss, apps));
    }

    private static RuntimeResult.Certificates certificates(DetectionContext ctx, Findings findings) {
        List<String> bundles = new ArrayList<>();
        for (String b : BUNDLES) {
            Optional<FileEntry> e = ctx.resolve(b);
            if (e.isPresent() && e.get().isRegular()) {
                bundles.add(b);
                findings.add(Finding.Kind.INFO, b, 0, "CA bundle " + b + " (" + e.get().size() + " bytes)"
                        + (ctx.entry(b).map(FileEntry::isSymlink).orElse(false) ? ", a link to " + e.get().path() : ""),
                        Map.of("bundle", b, "file", e.get().path()));
            }
        }
        String certDir = ctx.isDirectory("/etc/ssl/certs") ? "/etc/ssl/certs" : "";
        int entries = certDir.isEmpty() ? 0 : ctx.list(certDir).size();
        String certFile = nz(ctx.env("SSL_CERT_FILE"));
        String certDirEnv = nz(ctx.env("SSL_CERT_DIR"));
        if (!certFile.isEmpty() && !ctx.exists(certFile)) {
            findings.warning("", "SSL_CERT_FILE=" + certFile + " does not exist in the image");
        }
        if (bundles.isEmpty() && certFile.isEmpty()) {
            findings.warning("/etc/ssl/certs", "no CA certificate bundle: TLS clients in the image cannot verify servers");
        }
        return new RuntimeResult.Certificates(bundles, certDir, entries, certFile, certDirEnv);
    }

    private static RuntimeResult.TimeZones timeZones(DetectionContext ctx, Findings findings) {
        String zoneinfo = ctx.isDirectory("/usr/share/zoneinfo") ? "/usr/share/zoneinfo" : "";
        int zones = zoneinfo.isEmpty() ? 0 : (int) ctx.fs().entries()
                .filter(e -> e.path().startsWith("/usr/share/zoneinfo/") && e.isRegular()).count();
        Optional<FileEntry> lt = ctx.entry("/etc/localtime");
        String localtime = lt.isPresent() ? "/etc/localtime" : "";
        String target = lt.filter(FileEntry::isSymlink).map(FileEntry::linkTarget).orElse("");
        String tz = nz(ctx.env("TZ"));
        if (!zoneinfo.isEmpty()) {
            findings.add(Finding.Kind.INFO, zoneinfo, 0, "time zone data: " + zones + " files under " + zoneinfo,
                    Map.of("zoneFiles", String.valueOf(zones)));
        }
        if (lt.isPresent()) {
            if (ctx.resolve("/etc/localtime").isEmpty()) {
                findings.warning("/etc/localtime", "/etc/localtime links to " + target + ", which does not exist: programs fall back to UTC");
            } else {
                findings.info("/etc/localtime", "/etc/localtime is set" + (target.isEmpty() ? "" : " (" + target + ")"));
            }
        }
        if (!tz.isEmpty() && !tz.startsWith(":") && !tz.equals("UTC") && !tz.matches("[A-Z]{3,}[-+]?\\d.*")
                && (zoneinfo.isEmpty() || !ctx.exists(zoneinfo + "/" + tz))) {
            findings.warning("", "TZ=" + tz + " names a zone that is not in /usr/share/zoneinfo: programs fall back to UTC");
        }
        return new RuntimeResult.TimeZones(zoneinfo, zones, localtime, target, tz);
    }

    private static RuntimeResult.Nss nss(DetectionContext ctx, Findings findings) {
        boolean glibc = GLIBC_LOADERS.stream().anyMatch(g -> !ctx.glob(g).isEmpty());
        Map<String, List<String>> dbs = new LinkedHashMap<>();
        String conf = "";
        Optional<TextFile> text = ctx.readText("/etc/nsswitch.conf", findings);
        if (text.isPresent()) {
            conf = "/etc/nsswitch.conf";
            for (String line : text.get().lines()) {
                String l = line.contains("#") ? line.substring(0, line.indexOf('#')) : line;
                int colon = l.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                List<String> services = new ArrayList<>();
                for (String w : l.substring(colon + 1).trim().split("\\s+")) {
                    if (!w.isEmpty() && !w.startsWith("[")) {
                        services.add(w);
                    }
                }
                dbs.put(l.substring(0, colon).trim(), services);
            }
        }
        Set<String> libs = new LinkedHashSet<>();
        for (String dir : LIB_DIRS) {
            libs.addAll(ctx.glob(dir + "/libnss_*"));
        }
        List<String> modules = new ArrayList<>();
        if (glibc) {
            Set<String> services = new LinkedHashSet<>();
            dbs.values().forEach(services::addAll);
            for (String s : services) {
                String soname = "libnss_" + s + ".so.2";
                Optional<String> present = libs.stream().filter(l -> Paths.name(l).equals(soname)).findFirst();
                present.ifPresent(modules::add);
                if (present.isEmpty() && !BUILT_IN_SERVICES.contains(s)) {
                    findings.warning(conf, "nsswitch.conf names the service '" + s + "' but " + soname
                            + " is not in the image: lookups through it fail");
                }
            }
            if (!libs.isEmpty() || !conf.isEmpty()) {
                findings.add(Finding.Kind.INFO, conf.isEmpty() ? libs.iterator().next() : conf, 0,
                        "glibc programs that look up users, groups or hosts (a configured user=, a host name) dlopen NSS modules: "
                                + (modules.isEmpty() ? "none beyond the built-in files and dns" : String.join(", ", modules))
                                + "; they are not in any DT_NEEDED", Map.of("modules", String.join(",", modules)));
            }
        } else if (!libs.isEmpty() || !conf.isEmpty()) {
            findings.info(conf.isEmpty() ? libs.iterator().next() : conf, "no glibc loader: NSS configuration and modules are unused"
                    + " (musl reads /etc/passwd, /etc/group and /etc/hosts directly)");
        }
        return new RuntimeResult.Nss(conf, dbs, List.copyOf(libs), modules, glibc);
    }

    private static List<RuntimeResult.AppDirectory> appDirectories(DetectionContext ctx, Findings findings) {
        Map<String, String> dirs = new LinkedHashMap<>();
        if (!ctx.config().workingDir().isEmpty()) {
            dirs.put(Paths.normalize(ctx.config().workingDir()), "WORKDIR");
        }
        for (ProgramsResult.Program p : ctx.run(new ProgramsDetector()).result().programs()) {
            if (!Launch.isSystemDirectory(p.launch().workingDir())) {
                dirs.putIfAbsent(p.launch().workingDir(), "program " + p.name() + " working directory");
            }
            p.profile().carry().stream().filter(ProgramProfile.Carry::application)
                    .forEach(c -> dirs.putIfAbsent(Paths.normalize(c.path()), p.profile().kind() + ": " + c.reason()));
        }
        List<RuntimeResult.AppDirectory> out = new ArrayList<>();
        for (Map.Entry<String, String> d : dirs.entrySet()) {
            String path = d.getKey();
            Optional<FileEntry> e = ctx.resolve(path);
            if (e.isEmpty() || !e.get().isDirectory()) {
                out.add(new RuntimeResult.AppDirectory(path, d.getValue(), false, 0, 0));
                findings.warning(path, d.getValue() + " " + path + " does not exist in the image");
                continue;
            }
            String real = e.get().path();
            String prefix = real.equals("/") ? "/" : real + "/";
            long[] count = {0, 0};
            ctx.fs().entries().filter(x -> x.path().startsWith(prefix) && x.isRegular()).forEach(x -> {
                count[0]++;
                count[1] += x.size();
            });
            out.add(new RuntimeResult.AppDirectory(path, d.getValue(), true, (int) count[0], count[1]));
            findings.add(Finding.Kind.INFO, path, 0, d.getValue() + " " + path + ": " + count[0] + " files, " + count[1] + " bytes",
                    Map.of("files", String.valueOf(count[0]), "bytes", String.valueOf(count[1])));
        }
        return out;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
