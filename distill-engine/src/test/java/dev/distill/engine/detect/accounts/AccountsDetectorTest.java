package dev.distill.engine.detect.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.catalog.Catalog;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccountsDetectorTest {

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            nobody:x:65534:65534:nobody:/:/sbin/nologin
            www-data:x:82:82:Linux User,,,:/home/www-data:/sbin/nologin
            """;
    static final String GROUP = """
            root:x:0:root
            www-data:x:82:www-data
            nogroup:x:65533:
            nobody:x:65534:
            """;

    static MemoryFileSystem.Builder image() {
        return MemoryFileSystem.builder()
                .file("/etc/passwd", PASSWD)
                .file("/etc/group", GROUP)
                .directory("/tmp", 01777)
                .directory("/run", 0755)
                .owner(65534, 65534).directory("/run/nginx", 0755).owner(0, 0)
                .file("/usr/bin/supervisord", "#!/usr/bin/python3\n".getBytes(), 0755)
                .file("/usr/sbin/php-fpm83", ELF, 0755)
                .file("/usr/sbin/nginx", ELF, 0755)
                .file("/usr/local/bin/worker", ELF, 0755)
                .file("/etc/supervisord.conf", """
                        [supervisord]
                        nodaemon=true
                        pidfile=/run/supervisord.pid
                        [program:php-fpm]
                        command=php-fpm83 -F
                        [program:nginx]
                        command=nginx -g 'daemon off;'
                        [program:worker]
                        command=/usr/local/bin/worker
                        user=app
                        stdout_logfile=/var/log/worker.log
                        """)
                .file("/etc/php83/php-fpm.conf", "[global]\nerror_log = /dev/stderr\n[www]\nuser = www-data\ngroup = www-data\n"
                        + "listen = /run/php-fpm.sock\n")
                .file("/etc/nginx/nginx.conf", "user nginx;\npid /run/nginx/nginx.pid;\nevents {}\n"
                        + "http { client_body_temp_path /tmp/client_temp; server { listen 8080; } }\n");
    }

    static Detection<AccountsResult> run(MemoryFileSystem fs, String user) {
        ImageConfig cfg = new ImageConfig(List.of(), List.of("/usr/bin/supervisord", "-c", "/etc/supervisord.conf"), user,
                List.of(), null, "", null, null, null);
        return new AccountsDetector().detect(new DetectionContext(fs, cfg, Catalog.standardKinds()));
    }

    @Test
    void nonRootImageUserKeepsItsUserAndMissingNamesBlock() {
        Detection<AccountsResult> d = run(image().build(), "nobody");
        AccountsResult r = d.result();
        // supervisord runs as nobody, so the worker's user=app has no effect: it runs as nobody (supervisord's warning).
        assertThat(r.users()).extracting(AccountsResult.UserRef::requested).containsExactly("nobody", "www-data", "nginx");
        assertThat(r.users().get(0)).satisfies(u -> {
            assertThat(u.found()).isTrue();
            assertThat(u.uid()).isEqualTo(65534);
            assertThat(u.home()).isEqualTo("/");
            assertThat(u.shell()).isEqualTo("/sbin/nologin");
        });
        assertThat(r.groups()).singleElement().satisfies(g -> {
            assertThat(g.requested()).isEqualTo("www-data");
            assertThat(g.gid()).isEqualTo(82);
        });

        List<Finding> blockers = d.findings(Finding.Kind.BLOCKER);
        assertThat(blockers).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/etc/nginx/nginx.conf");
            assertThat(f.reason()).contains("nginx user 'nginx' has no entry");
        });
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/etc/php83/php-fpm.conf");
            assertThat(f.line()).isEqualTo(4);
            assertThat(f.reason()).contains("user www-data has no effect").contains("runs as nobody");
        });

        // Places: pid in /run (root 0755) is not writable by nobody; /run/nginx is nobody's; /tmp is 1777.
        assertThat(r.writable()).anySatisfy(p -> {
            assertThat(p.path()).isEqualTo("/run/php-fpm.sock");
            assertThat(p.writer()).isEqualTo("nobody");
            assertThat(p.checked()).isEqualTo("/run");
            assertThat(p.uid()).isZero();
            assertThat(p.mode()).isEqualTo(0755);
            assertThat(p.writable()).isFalse();
        });
        assertThat(r.writable()).anySatisfy(p -> {
            assertThat(p.path()).isEqualTo("/run/nginx/nginx.pid");
            assertThat(p.checked()).isEqualTo("/run/nginx");
            assertThat(p.uid()).isEqualTo(65534);
            assertThat(p.writable()).isTrue();
        });
        assertThat(r.writable()).anySatisfy(p -> {
            assertThat(p.path()).isEqualTo("/tmp/client_temp");
            assertThat(p.exists()).isFalse();
            assertThat(p.checked()).isEqualTo("/tmp");
            assertThat(p.mode()).isEqualTo(01777);
            assertThat(p.writable()).isTrue();
        });
        // supervisord writes the worker's log, not the worker: without supervisord its output is the container's.
        assertThat(r.writable()).noneSatisfy(p -> assertThat(p.path()).isEqualTo("/var/log/worker.log"));
        assertThat(r.writable()).filteredOn(p -> p.path().equals("/run/php-fpm.sock")).extracting(AccountsResult.WritablePlace::program)
                .containsExactly("php-fpm");
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/run");
            assertThat(f.reason()).contains("php-fpm socket /run/php-fpm.sock").contains("not writable by nobody");
            assertThat(f.data()).containsEntry("mode", "0755").containsEntry("owner", "0:0");
        });
    }

    @Test
    void rootImageUserHandsOverToConfiguredUsers() {
        Detection<AccountsResult> d = run(image().build(), "");
        AccountsResult r = d.result();
        assertThat(r.users().get(0).requested()).isEqualTo("root");
        assertThat(r.writable()).anySatisfy(p -> {
            assertThat(p.path()).isEqualTo("/run/php-fpm.sock");
            assertThat(p.writer()).isEqualTo("root");
            assertThat(p.writable()).isTrue();
        });
        assertThat(r.writable()).anySatisfy(p -> {
            // not there yet: the master (root here) makes it at start and hands it to the workers
            assertThat(p.path()).isEqualTo("/tmp/client_temp");
            assertThat(p.writer()).isEqualTo("root");
            assertThat(p.writable()).isTrue();
        });
        assertThat(d.findings(Finding.Kind.WARNING)).noneSatisfy(f -> assertThat(f.reason()).contains("has no effect"));
    }

    @Test
    void numericUserWithoutEntryIsAWarningAndMissingPasswdIsReported() {
        MemoryFileSystem fs = MemoryFileSystem.builder().directory("/tmp", 01777).build();
        Detection<AccountsResult> d = new AccountsDetector().detect(new DetectionContext(fs,
                new ImageConfig(null, null, "1000:1000", null, null, null, null, null, null), Catalog.standardKinds()));
        assertThat(d.blocked()).isFalse();
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> assertThat(f.reason()).contains("uid 1000 has no /etc/passwd entry"));
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> assertThat(f.path()).isEqualTo("/etc/passwd"));
        assertThat(d.result().writable()).singleElement().satisfies(p -> assertThat(p.writable()).isTrue());
    }

    @Test
    void noUserAndNoPasswdRunsAsUidZeroWithoutBlocker() {
        MemoryFileSystem fs = MemoryFileSystem.builder().directory("/tmp", 01777).build();
        Detection<AccountsResult> d = new AccountsDetector().detect(new DetectionContext(fs, ImageConfig.EMPTY, Catalog.standardKinds()));
        assertThat(d.blocked()).isFalse();
        assertThat(d.result().users()).singleElement().satisfies(u -> {
            assertThat(u.requested()).isEqualTo("root");
            assertThat(u.uid()).isZero();
        });
        assertThat(d.result().writable()).singleElement().satisfies(p -> assertThat(p.writable()).isTrue());
    }

    @Test
    void namedImageUserWithoutEntryBlocks() {
        Detection<AccountsResult> d = new AccountsDetector().detect(new DetectionContext(image().build(),
                new ImageConfig(null, null, "app:www-data", null, null, null, null, null, null), Catalog.standardKinds()));
        assertThat(d.findings(Finding.Kind.BLOCKER)).filteredOn(f -> f.path().isEmpty()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo("image USER 'app' has no entry in /etc/passwd: the program cannot switch to it");
        });
        assertThat(d.result().groups()).filteredOn(g -> g.source().equals("image USER")).singleElement()
                .satisfies(g -> assertThat(g.gid()).isEqualTo(82));
    }

    @Test
    void phpSessionDirectoryIsWrittenByThePoolUser() {
        MemoryFileSystem fs = image()
                .file("/etc/php83/php.ini", "session.save_path = /var/lib/php/sessions\n")
                .owner(82, 82).directory("/var/lib/php/sessions", 0700).owner(0, 0)
                .build();
        AccountsResult r = run(fs, "").result();
        assertThat(r.writable()).filteredOn(p -> p.purpose().equals("php session.save_path")).singleElement().satisfies(p -> {
            assertThat(p.path()).isEqualTo("/var/lib/php/sessions");
            assertThat(p.writer()).isEqualTo("www-data");
            assertThat(p.uid()).isEqualTo(82);
            assertThat(p.writable()).isTrue();
            assertThat(p.file()).isEqualTo("/etc/php83/php.ini");
        });
    }
}
