package dev.distill.engine.detect.runtime;

import java.util.List;
import java.util.Map;

/** Runtime data found in the image. */
public record RuntimeResult(Certificates certificates, TimeZones timeZones, Nss nss, List<AppDirectory> appDirectories) {

    public RuntimeResult {
        appDirectories = List.copyOf(appDirectories);
    }

    /**
     * CA certificates.
     *
     * @param bundles the bundle files present ({@code /etc/ssl/certs/ca-certificates.crt} and friends)
     * @param certDir {@code /etc/ssl/certs} when it is a directory, else {@code ""}
     * @param certDirEntries how many entries it has
     * @param sslCertFile the image's {@code SSL_CERT_FILE}, {@code ""} when unset
     * @param sslCertDir the image's {@code SSL_CERT_DIR}, {@code ""} when unset
     */
    public record Certificates(List<String> bundles, String certDir, int certDirEntries, String sslCertFile, String sslCertDir) {
        public Certificates {
            bundles = List.copyOf(bundles);
        }
    }

    /**
     * Time zone data.
     *
     * @param zoneinfo {@code /usr/share/zoneinfo} when present, else {@code ""}
     * @param zoneFiles regular files under it
     * @param localtime {@code /etc/localtime} when present, else {@code ""}
     * @param localtimeTarget its symlink target as written, {@code ""} for a plain file or none
     * @param tz the image's {@code TZ}, {@code ""} when unset
     */
    public record TimeZones(String zoneinfo, int zoneFiles, String localtime, String localtimeTarget, String tz) {
    }

    /**
     * Name service switch.
     *
     * @param nsswitchConf {@code /etc/nsswitch.conf} when present, else {@code ""}
     * @param databases each database ({@code passwd}, {@code hosts}) with its services in order
     * @param libraries the {@code libnss_*} files present
     * @param modules the NSS modules glibc would dlopen for the configured services (files and dns are
     *     built into glibc 2.34 and later but listed when present as files)
     * @param glibc whether the image has a glibc loader (musl has no NSS)
     */
    public record Nss(String nsswitchConf, Map<String, List<String>> databases, List<String> libraries,
                      List<String> modules, boolean glibc) {
        public Nss {
            databases = Map.copyOf(databases);
            libraries = List.copyOf(libraries);
            modules = List.copyOf(modules);
        }
    }

    /**
     * A directory the application lives or works in.
     *
     * @param source who points at it ({@code WORKDIR}, {@code nginx root}, {@code php-fpm pool www chdir})
     * @param files regular files under it
     * @param bytes their total size
     */
    public record AppDirectory(String path, String source, boolean exists, int files, long bytes) {
    }
}
