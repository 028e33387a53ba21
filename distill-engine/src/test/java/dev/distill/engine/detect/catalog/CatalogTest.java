package dev.distill.engine.detect.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.accounts.AccountsResult;
import dev.distill.engine.detect.nginx.NginxResult;
import dev.distill.engine.detect.php.PhpResult;
import dev.distill.engine.detect.shell.EntrypointResult;
import dev.distill.engine.detect.supervisord.SupervisordDetector;
import dev.distill.engine.detect.supervisord.SupervisordResult;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ForwardingFileSystem;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** All detectors over one TrafeX-style image (Alpine, php-fpm83 and nginx under supervisord, USER nobody). */
class CatalogTest {

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

    static MemoryFileSystem trafex() {
        return MemoryFileSystem.builder()
                .file("/etc/os-release", "ID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n")
                .file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n")
                .file("/etc/group", "root:x:0:root\nnobody:x:65534:\n")
                .file("/lib/ld-musl-x86_64.so.1", ELF, 0755)
                .file("/bin/busybox", ELF, 0755)
                .symlink("/bin/sh", "/bin/busybox")
                .file("/sbin/apk", ELF, 0755)
                .file("/lib/apk/db/installed", "P:musl\n\nP:php83\n\nP:nginx\n\nP:supervisor\n")
                .file("/usr/bin/python3", ELF, 0755)
                .file("/usr/bin/supervisord", "#!/usr/bin/python3\n# -*- coding: utf-8 -*-\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/usr/sbin/php-fpm83", ELF, 0755)
                .file("/usr/sbin/nginx", ELF, 0755)
                .file("/etc/ssl/certs/ca-certificates.crt", "-----BEGIN CERTIFICATE-----\n")
                .file("/etc/supervisor/conf.d/supervisord.conf", """
                        [supervisord]
                        nodaemon=true
                        logfile=/dev/null
                        pidfile=/run/supervisord.pid
                        [program:php-fpm]
                        command=php-fpm83 -F
                        stdout_logfile=/dev/stdout
                        [program:nginx]
                        command=nginx -g 'daemon off;'
                        stdout_logfile=/dev/stdout
                        """)
                .file("/etc/php83/php.ini", "[PHP]\nmemory_limit = 128M\n")
                .file("/etc/php83/conf.d/00_opcache.ini", "zend_extension=opcache.so\n")
                .file("/usr/lib/php83/modules/opcache.so", ELF, 0755)
                .file("/etc/php83/php-fpm.conf", "[global]\nerror_log = /dev/stderr\ninclude=/etc/php83/php-fpm.d/*.conf\n")
                .file("/etc/php83/php-fpm.d/www.conf", "[www]\nlisten = /run/php-fpm.sock\nping.path = /fpm-ping\n")
                .file("/etc/nginx/nginx.conf", "error_log stderr warn;\npid /run/nginx.pid;\nevents {}\n"
                        + "http { include conf.d/*.conf; }\n")
                .file("/etc/nginx/conf.d/default.conf", "server { listen 8080; root /var/www/html;\n"
                        + "  location ~ \\.php$ { fastcgi_pass unix:/run/php-fpm.sock; } }\n")
                .owner(65534, 65534)
                .directory("/run", 0755)
                .file("/var/www/html/index.php", "<?php echo PHP_VERSION;")
                .owner(0, 0)
                .directory("/tmp", 01777)
                .build();
    }

    static ImageConfig trafexConfig() {
        return new ImageConfig(List.of(), List.of("/usr/bin/supervisord", "-c", "/etc/supervisor/conf.d/supervisord.conf"),
                "nobody", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), List.of("8080/tcp"),
                "/var/www/html", null, null, null);
    }

    @Test
    void trafexImageEndToEnd() {
        Catalog.Report report = Catalog.standard().run(trafex(), trafexConfig());
        assertThat(report.detections()).extracting(Detection::detector)
                .containsExactly("shell", "supervisord", "php", "nginx", "programs", "runtime", "accounts", "surface");
        assertThat(report.findings(Finding.Kind.ERROR)).isEmpty();
        assertThat(report.findings(Finding.Kind.BLOCKER)).isEmpty();
        assertThat(report.findings()).allSatisfy(f -> {
            if (f.path().startsWith("/") && !f.path().equals("/")) {
                assertThat(f.layer()).as("layer of %s", f).isEqualTo("memory");
            }
        });

        EntrypointResult entry = report.result(EntrypointResult.class).orElseThrow();
        assertThat(entry.verdict()).isEqualTo(EntrypointResult.Verdict.INTERPRETED);
        assertThat(entry.program()).isEqualTo("/usr/bin/supervisord");

        SupervisordResult sup = report.result(SupervisordResult.class).orElseThrow();
        assertThat(sup.programs()).extracting(SupervisordResult.Program::executable)
                .containsExactly("/usr/sbin/php-fpm83", "/usr/sbin/nginx");

        PhpResult php = report.result(PhpResult.class).orElseThrow();
        assertThat(php.dlopenedModules()).containsExactly("/usr/lib/php83/modules/opcache.so");
        assertThat(php.fpm().get(0).pools().get(0).listenSocket()).isEqualTo("/run/php-fpm.sock");

        NginxResult nginx = report.result(NginxResult.class).orElseThrow();
        assertThat(nginx.daemonOff()).isTrue();
        assertThat(nginx.upstreamSockets()).extracting(NginxResult.Ref::path).containsExactly("/run/php-fpm.sock");

        AccountsResult accounts = report.result(AccountsResult.class).orElseThrow();
        assertThat(accounts.writable()).filteredOn(p -> p.path().equals("/run/php-fpm.sock")).singleElement()
                .satisfies(p -> assertThat(p.writable()).isTrue());

        SurfaceResult surface = report.result(SurfaceResult.class).orElseThrow();
        assertThat(surface.packages().apk()).isEqualTo(4);
        // python3 runs supervisord: it is the application's interpreter, not surface
        assertThat(surface.items(SurfaceResult.Category.INTERPRETER)).isEmpty();
    }

    /** A filesystem whose reads of one path fail, as a corrupt layer would. */
    static final class FailingReads extends ForwardingFileSystem {
        private final ImageFileSystem inner;
        private final String failing;

        FailingReads(ImageFileSystem inner, String failing) {
            this.inner = inner;
            this.failing = failing;
        }

        @Override
        protected ImageFileSystem delegate() {
            return inner;
        }

        @Override
        public InputStream open(FileEntry file) throws IOException {
            if (file.path().equals(failing)) {
                throw new IOException("unexpected end of layer stream");
            }
            return inner.open(file);
        }
    }

    @Test
    void anUnreadableFileIsAnErrorFindingAndTheRestStillRuns() {
        Catalog.Report report = Catalog.standard().run(new FailingReads(trafex(), "/etc/php83/php-fpm.d/www.conf"), trafexConfig());
        assertThat(report.findings(Finding.Kind.ERROR)).singleElement().satisfies(f -> {
            assertThat(f.detector()).isEqualTo("php");
            assertThat(f.path()).isEqualTo("/etc/php83/php-fpm.d/www.conf");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.reason()).contains("unexpected end of layer stream");
        });
        assertThat(report.result(NginxResult.class)).isPresent();
        assertThat(report.result(SupervisordResult.class).orElseThrow().programs()).hasSize(2);
    }

    @Test
    void symlinkLoopsAreNotFatal() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .symlink("/etc/supervisord.conf", "/etc/loop")
                .symlink("/etc/loop", "/etc/supervisord.conf")
                .symlink("/etc/nginx/nginx.conf", "nginx.conf")
                .build();
        Catalog.Report report = Catalog.standard().run(fs, new ImageConfig(null, List.of("/etc/loop"), "", null, null, null, null, null, null));
        assertThat(report.detections()).allSatisfy(d -> assertThat(d.result()).isNotNull());
    }

    @Test
    void aDetectorThatThrowsBecomesAnErrorFinding() {
        Detector<String> broken = new Detector<>() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public Detection<String> detect(DetectionContext context) {
                throw new IllegalStateException("boom");
            }
        };
        Catalog.Report report = new Catalog(List.of(broken, new SupervisordDetector())).run(trafex(), trafexConfig());
        assertThat(report.detections()).hasSize(2);
        assertThat(report.findings(Finding.Kind.ERROR)).singleElement().satisfies(f -> {
            assertThat(f.detector()).isEqualTo("broken");
            assertThat(f.reason()).contains("IllegalStateException: boom");
        });
    }
}
