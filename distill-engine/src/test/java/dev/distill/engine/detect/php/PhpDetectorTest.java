package dev.distill.engine.detect.php;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PhpDetectorTest {

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    static final String EXT = "/usr/local/lib/php/extensions/no-debug-non-zts-20230831";

    /** The official php:8.3-fpm-alpine layout, with gd and opcache installed by docker-php-ext-*. */
    static MemoryFileSystem.Builder official() {
        return MemoryFileSystem.builder()
                .file("/usr/local/bin/docker-php-entrypoint",
                        "#!/bin/sh\nset -e\nif [ \"${1#-}\" != \"$1\" ]; then\n\tset -- php-fpm \"$@\"\nfi\nexec \"$@\"\n"
                                .getBytes(StandardCharsets.UTF_8), 0755)
                .file("/usr/local/sbin/php-fpm", ELF, 0755)
                .file("/usr/local/etc/php/php.ini-production", "memory_limit = 128M\n")
                .file("/usr/local/etc/php/conf.d/docker-php-ext-gd.ini", "extension=gd\n")
                .file("/usr/local/etc/php/conf.d/docker-php-ext-opcache.ini", "zend_extension=opcache\n")
                .file("/usr/local/etc/php/conf.d/docker-php-ext-sodium.ini", "extension=sodium.so\n")
                .file("/usr/local/etc/php/conf.d/zz-missing.ini", "; a module that was never built\nextension = \"imagick\" ; quoted\n")
                .file(EXT + "/gd.so", ELF, 0755)
                .file(EXT + "/opcache.so", ELF, 0755)
                .file(EXT + "/sodium.so", ELF, 0755)
                .file("/usr/local/etc/php-fpm.conf", "[global]\npid = run/php-fpm.pid\ninclude=etc/php-fpm.d/*.conf\n")
                .file("/usr/local/etc/php-fpm.d/docker.conf", "[global]\nerror_log = /proc/self/fd/2\n\n[www]\naccess.log = /proc/self/fd/2\n")
                .file("/usr/local/etc/php-fpm.d/www.conf", "[www]\nuser = www-data\ngroup = www-data\nlisten = 127.0.0.1:9000\n"
                        + "pm = dynamic\nslowlog = /var/log/$pool.slow.log\n")
                .file("/usr/local/etc/php-fpm.d/zz-docker.conf", "[global]\ndaemonize = no\n\n[www]\nlisten = 9000\n");
    }

    static ImageConfig officialConfig(String... env) {
        List<String> e = new java.util.ArrayList<>(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        e.addAll(List.of(env));
        return new ImageConfig(List.of("docker-php-entrypoint"), List.of("php-fpm"), "", e, List.of("9000/tcp"),
                "/var/www/html", "SIGQUIT", null, null);
    }

    @Test
    void officialImageExtensionsAndPools() {
        Detection<PhpResult> d = new PhpDetector().detect(new DetectionContext(official().build(), officialConfig()));
        PhpResult r = d.result();
        assertThat(r.installations()).singleElement().satisfies(i -> {
            assertThat(i.configDir()).isEqualTo("/usr/local/etc/php");
            assertThat(i.phpIni()).isEmpty();
            assertThat(i.scanDirs()).containsExactly("/usr/local/etc/php/conf.d");
            assertThat(i.extensionDir()).isEqualTo(EXT);
            assertThat(i.extensionDirFromIni()).isFalse();
            assertThat(i.extensions()).extracting(PhpResult.Extension::value).containsExactly("gd", "opcache", "sodium.so", "imagick");
        });
        assertThat(r.dlopenedModules()).containsExactly(EXT + "/gd.so", EXT + "/opcache.so", EXT + "/sodium.so");
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.kind()).isEqualTo(Finding.Kind.INFO);
            assertThat(f.path()).isEqualTo("/usr/local/etc/php/conf.d/docker-php-ext-gd.ini");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.line()).isEqualTo(1);
            assertThat(f.reason()).isEqualTo("extension=gd makes PHP dlopen " + EXT + "/gd.so");
            assertThat(f.data()).containsEntry("module", EXT + "/gd.so");
        });
        assertThat(d.findings(Finding.Kind.WARNING)).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/usr/local/etc/php/conf.d/zz-missing.ini");
            assertThat(f.line()).isEqualTo(2);
            assertThat(f.reason()).contains("extension=imagick matches no module");
        });

        assertThat(r.fpm()).singleElement().satisfies(fpm -> {
            assertThat(fpm.path()).isEqualTo("/usr/local/etc/php-fpm.conf");
            assertThat(fpm.files()).containsExactly("/usr/local/etc/php-fpm.conf", "/usr/local/etc/php-fpm.d/docker.conf",
                    "/usr/local/etc/php-fpm.d/www.conf", "/usr/local/etc/php-fpm.d/zz-docker.conf");
            assertThat(fpm.pid()).isEqualTo("/usr/local/var/run/php-fpm.pid");
            assertThat(fpm.errorLog()).isEqualTo("/proc/self/fd/2");
            assertThat(fpm.daemonize()).isFalse();
            assertThat(fpm.pools()).singleElement().satisfies(p -> {
                assertThat(p.name()).isEqualTo("www");
                assertThat(p.listen()).isEqualTo("9000");
                assertThat(p.listenPort()).isEqualTo(9000);
                assertThat(p.listenSocket()).isEmpty();
                assertThat(p.user()).isEqualTo("www-data");
                assertThat(p.group()).isEqualTo("www-data");
                assertThat(p.slowlog()).isEqualTo("/var/log/www.slow.log");
                assertThat(p.accessLog()).isEqualTo("/proc/self/fd/2");
            });
        });
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/usr/local/etc/php-fpm.d/zz-docker.conf");
            assertThat(f.line()).isEqualTo(5);
            assertThat(f.reason()).contains("listens on TCP port 9000").contains("runs as www-data:www-data");
        });
    }

    @Test
    void alpinePackageLayoutWithSocketPingAndIniExtensionDir() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/usr/sbin/php-fpm83", ELF, 0755)
                .file("/etc/php83/php.ini", "[PHP]\nextension_dir = \"/opt/php/modules\"\n")
                .file("/etc/php83/conf.d/00_ctype.ini", "extension=ctype\n")
                .file("/etc/php83/conf.d/custom.ini", "zend_extension=/usr/lib/php83/modules/xdebug.so\n")
                .file("/opt/php/modules/ctype.so", ELF, 0755)
                .file("/usr/lib/php83/modules/xdebug.so", ELF, 0755)
                .file("/etc/php83/php-fpm.conf", "[global]\nerror_log = /dev/stderr\ninclude=/etc/php83/php-fpm.d/*.conf\n")
                .file("/etc/php83/php-fpm.d/www.conf", "[www]\nlisten = /run/php-fpm.sock\nping.path = /fpm-ping\n"
                        + "pm.status_path = /fpm-status\n")
                .build();
        ImageConfig cfg = new ImageConfig(List.of(), List.of("php-fpm83", "-F"), "nobody", List.of(), null, "/var/www/html", null, null, null);
        PhpResult r = new PhpDetector().detect(new DetectionContext(fs, cfg)).result();
        assertThat(r.installations()).singleElement().satisfies(i -> {
            assertThat(i.phpIni()).isEqualTo("/etc/php83/php.ini");
            assertThat(i.iniFiles()).containsExactly("/etc/php83/php.ini", "/etc/php83/conf.d/00_ctype.ini", "/etc/php83/conf.d/custom.ini");
            assertThat(i.extensionDir()).isEqualTo("/opt/php/modules");
            assertThat(i.extensionDirFromIni()).isTrue();
        });
        assertThat(r.dlopenedModules()).containsExactly("/opt/php/modules/ctype.so", "/usr/lib/php83/modules/xdebug.so");
        assertThat(r.fpm()).singleElement().satisfies(fpm -> {
            assertThat(fpm.prefix()).isEqualTo("/usr");
            assertThat(fpm.errorLog()).isEqualTo("/dev/stderr");
            assertThat(fpm.pools()).singleElement().satisfies(p -> {
                assertThat(p.listenSocket()).isEqualTo("/run/php-fpm.sock");
                assertThat(p.pingPath()).isEqualTo("/fpm-ping");
                assertThat(p.statusPath()).isEqualTo("/fpm-status");
                assertThat(p.user()).isEmpty();
            });
        });
    }

    @Test
    void scanDirFromEnvironmentAndBrokenIniIsAnError() {
        MemoryFileSystem fs = official()
                .file("/app/php/app.ini", "extension=gd\n")
                .file("/usr/local/etc/php/conf.d/broken.ini", "this line is not ini\n")
                .build();
        Detection<PhpResult> d = new PhpDetector().detect(new DetectionContext(fs, officialConfig("PHP_INI_SCAN_DIR=:/app/php")));
        assertThat(d.result().installations().get(0).scanDirs()).containsExactly("/usr/local/etc/php/conf.d", "/app/php");
        assertThat(d.result().installations().get(0).iniFiles()).endsWith("/app/php/app.ini");
        assertThat(d.findings(Finding.Kind.ERROR)).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/usr/local/etc/php/conf.d/broken.ini");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.reason()).contains("not 'key = value'");
        });
    }

    @Test
    void debianLayoutAndWritableSettings() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/usr/sbin/php-fpm8.2", ELF, 0755)
                .file("/etc/php/8.2/fpm/php.ini", "[PHP]\nupload_tmp_dir = /var/lib/php/uploads\n"
                        + "[Session]\nsession.save_path = \"2;/var/lib/php/sessions\"\nerror_log = /dev/stderr\n")
                .file("/etc/php/8.2/fpm/conf.d/20-intl.ini", "extension=intl.so\n")
                .file("/etc/php/8.2/fpm/php-fpm.conf", "[global]\npid = /run/php/php8.2-fpm.pid\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n")
                .file("/etc/php/8.2/fpm/pool.d/www.conf", "[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\n"
                        + "listen.owner = www-data\nlisten.mode = 0660\n")
                .file("/usr/lib/php/20220829/intl.so", ELF, 0644)
                .build();
        ImageConfig cfg = new ImageConfig(List.of(), List.of("php-fpm8.2", "-F"), "", List.of(), null, "", null, null, null);
        PhpResult r = new PhpDetector().detect(new DetectionContext(fs, cfg)).result();
        assertThat(r.installations()).singleElement().satisfies(i -> {
            assertThat(i.configDir()).isEqualTo("/etc/php/8.2/fpm");
            assertThat(i.extensionDir()).isEqualTo("/usr/lib/php/20220829");
            assertThat(i.writablePaths()).containsExactly(
                    java.util.Map.entry("session.save_path", "/var/lib/php/sessions"),
                    java.util.Map.entry("upload_tmp_dir", "/var/lib/php/uploads"));
        });
        assertThat(r.dlopenedModules()).containsExactly("/usr/lib/php/20220829/intl.so");
        assertThat(r.fpm()).singleElement().satisfies(f -> {
            assertThat(f.pid()).isEqualTo("/run/php/php8.2-fpm.pid");
            assertThat(f.pools().get(0).listenOwner()).isEqualTo("www-data");
            assertThat(f.pools().get(0).listenMode()).isEqualTo("0660");
        });
    }
}
