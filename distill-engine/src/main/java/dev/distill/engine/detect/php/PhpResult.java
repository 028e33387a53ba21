package dev.distill.engine.detect.php;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * PHP as a migration needs it.
 *
 * @param installations each PHP configuration directory found, with its ini files and extensions
 * @param fpm each php-fpm configuration found (usually one)
 */
public record PhpResult(List<Installation> installations, List<FpmConfig> fpm) {

    public PhpResult {
        installations = List.copyOf(installations);
        fpm = List.copyOf(fpm);
    }

    /** The installations a SAPI reads ({@code fpm}, {@code cli}): its own and those every SAPI reads. */
    public List<Installation> installationsFor(String sapiName) {
        return installations.stream().filter(i -> i.sapi().isEmpty() || i.sapi().equals(sapiName)).toList();
    }

    /** Every module PHP will dlopen (resolved extension paths), in order, without duplicates. */
    public List<String> dlopenedModules() {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        installations.forEach(i -> i.extensions().stream().filter(e -> !e.module().isEmpty()).forEach(e -> out.add(e.module())));
        return List.copyOf(out);
    }

    /**
     * One PHP configuration directory.
     *
     * @param configDir the directory PHP looks for php.ini in ({@code /usr/local/etc/php})
     * @param sapi the one SAPI this configuration is for ({@code fpm}, {@code cli}: Debian's {@code /etc/php/8.2/cli}),
     *     {@code ""} when every SAPI reads it (the official image's {@code /usr/local/etc/php}, Alpine's)
     * @param phpIni the php.ini read, {@code ""} when there is none (PHP then uses built-in defaults)
     * @param scanDirs the directories whose {@code *.ini} files are read after php.ini
     * @param iniFiles every ini file read, in the order PHP reads them
     * @param extensionDir the directory extensions resolve against ({@code ""} when unknown)
     * @param extensionDirFromIni whether {@code extension_dir} was set in an ini file (else a layout default)
     * @param writablePaths places the ini settings make PHP write ({@code session.save_path},
     *     {@code upload_tmp_dir}, {@code sys_temp_dir}, {@code error_log}, {@code opcache.file_cache}), by setting
     */
    public record Installation(String configDir, String sapi, String phpIni, List<String> scanDirs, List<String> iniFiles,
                               String extensionDir, boolean extensionDirFromIni, List<Extension> extensions,
                               java.util.Map<String, String> writablePaths) {
        public Installation {
            sapi = sapi == null ? "" : sapi;
            scanDirs = List.copyOf(scanDirs);
            iniFiles = List.copyOf(iniFiles);
            extensions = List.copyOf(extensions);
            writablePaths = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(writablePaths));
        }
    }

    /**
     * One {@code extension=} or {@code zend_extension=} line.
     *
     * @param directive {@code extension} or {@code zend_extension}
     * @param value as written ({@code gd}, {@code sodium.so}, {@code /abs/path/opcache.so})
     * @param module the resolved module path in the image, {@code ""} when no file matches
     * @param file the ini file and {@code line} declaring it
     */
    public record Extension(String directive, String value, String module, String file, int line) {
    }

    /**
     * A php-fpm configuration.
     *
     * @param path the main file ({@code php-fpm.conf})
     * @param prefix the directory relative paths in it resolve against
     * @param files every file read, main first
     */
    public record FpmConfig(String path, String prefix, List<String> files, String pid, String errorLog,
                            boolean daemonize, List<Pool> pools) {
        public FpmConfig {
            files = List.copyOf(files);
            pools = List.copyOf(pools);
        }
    }

    /**
     * One pool.
     *
     * @param listen as written ({@code 9000}, {@code 127.0.0.1:9000}, {@code /run/php-fpm.sock})
     * @param listenSocket the unix socket path when listening on one, else {@code ""}
     * @param listenPort the TCP port when listening on one, else 0
     */
    public record Pool(String name, String file, int line, String listen, String listenSocket, int listenPort,
                       String listenOwner, String listenGroup, String listenMode, String user, String group,
                       String pingPath, String statusPath, String accessLog, String slowlog, String chdir) {
    }
}
