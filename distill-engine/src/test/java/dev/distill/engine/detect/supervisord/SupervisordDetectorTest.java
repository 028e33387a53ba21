package dev.distill.engine.detect.supervisord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SupervisordDetectorTest {

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

    /** The TrafeX-style layout: php-fpm and nginx under supervisord, logs to the container's stdout. */
    static final String SUPERVISORD_CONF = """
            [supervisord]
            nodaemon=true
            logfile=/dev/null
            logfile_maxbytes=0
            pidfile=/run/supervisord.pid

            [program:php-fpm]
            command=php-fpm83 -F
            stdout_logfile=/dev/stdout
            stdout_logfile_maxbytes=0
            stderr_logfile=/dev/stderr
            stderr_logfile_maxbytes=0
            autorestart=false
            startretries=0

            ; nginx lives in an included file
            [include]
            files = extra/*.conf
            """;

    static final String NGINX_PROGRAM = """
            [program:nginx]
            command=nginx -g 'daemon off;'   ; foreground
            directory=%(here)s
            environment=APP_ENV="prod,eu",TZ=%(ENV_TZ)s
            priority=10
            stdout_logfile=/dev/stdout
            redirect_stderr=true
            autorestart=false
            """;

    static MemoryFileSystem.Builder image() {
        return MemoryFileSystem.builder()
                .file("/usr/bin/supervisord", "#!/usr/bin/python3\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/usr/bin/python3", ELF, 0755)
                .file("/usr/sbin/php-fpm83", ELF, 0755)
                .file("/usr/sbin/nginx", ELF, 0755)
                .file("/etc/supervisor/conf.d/supervisord.conf", SUPERVISORD_CONF)
                .file("/etc/supervisor/conf.d/extra/nginx.conf", NGINX_PROGRAM);
    }

    static ImageConfig trafex() {
        return new ImageConfig(List.of(), List.of("/usr/bin/supervisord", "-c", "/etc/supervisor/conf.d/supervisord.conf"),
                "nobody", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TZ=UTC"),
                List.of("8080/tcp"), "/var/www/html", null, null, null);
    }

    @Test
    void readsTrafexLayoutWithInclude() {
        Detection<SupervisordResult> d = new SupervisordDetector().detect(new DetectionContext(image().build(), trafex()));
        SupervisordResult r = d.result();
        assertThat(r.mainConfig()).isEqualTo("/etc/supervisor/conf.d/supervisord.conf");
        assertThat(r.configFiles()).containsExactly("/etc/supervisor/conf.d/supervisord.conf", "/etc/supervisor/conf.d/extra/nginx.conf");
        assertThat(r.daemon()).isEqualTo(new SupervisordResult.Daemon("", "/dev/null", "/run/supervisord.pid", true, ""));
        assertThat(r.programs()).extracting(SupervisordResult.Program::name).containsExactly("php-fpm", "nginx");

        SupervisordResult.Program fpm = r.programs().get(0);
        assertThat(fpm.command()).containsExactly("php-fpm83", "-F");
        assertThat(fpm.executable()).isEqualTo("/usr/sbin/php-fpm83");
        assertThat(fpm.autorestart()).isEqualTo("false");
        assertThat(fpm.stdoutLogfile()).isEqualTo("/dev/stdout");
        assertThat(fpm.stderrLogfile()).isEqualTo("/dev/stderr");
        assertThat(fpm.priority()).isEqualTo(999);
        assertThat(fpm.numprocs()).isEqualTo(1);
        assertThat(fpm.line()).isEqualTo(7);

        SupervisordResult.Program nginx = r.programs().get(1);
        assertThat(nginx.command()).containsExactly("nginx", "-g", "daemon off;");
        assertThat(nginx.directory()).isEqualTo("/etc/supervisor/conf.d/extra");
        assertThat(nginx.environment()).isEqualTo(Map.of("APP_ENV", "prod,eu", "TZ", "UTC"));
        assertThat(nginx.priority()).isEqualTo(10);
        assertThat(nginx.redirectStderr()).isTrue();
        assertThat(nginx.file()).isEqualTo("/etc/supervisor/conf.d/extra/nginx.conf");

        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.kind()).isEqualTo(Finding.Kind.INFO);
            assertThat(f.path()).isEqualTo("/etc/supervisor/conf.d/extra/nginx.conf");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.line()).isEqualTo(1);
            assertThat(f.reason()).contains("'nginx' runs [nginx, -g, daemon off;]");
        });
        assertThat(d.findings()).anySatisfy(f -> assertThat(f.reason()).contains("2 programs"));
        assertThat(d.blocked()).isFalse();
    }

    @Test
    void standardLocationAndMissingProgramExecutable() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/etc/supervisord.conf", "[program:worker]\ncommand=/usr/local/bin/worker --queue=default\nuser=www-data\n")
                .build();
        Detection<SupervisordResult> d = new SupervisordDetector().detect(new DetectionContext(fs, ImageConfig.EMPTY));
        assertThat(d.result().mainConfig()).isEqualTo("/etc/supervisord.conf");
        assertThat(d.result().programs()).singleElement().satisfies(p -> {
            assertThat(p.user()).isEqualTo("www-data");
            assertThat(p.executable()).isEmpty();
        });
        assertThat(d.findings(Finding.Kind.BLOCKER)).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/etc/supervisord.conf");
            assertThat(f.line()).isEqualTo(1);
            assertThat(f.reason()).contains("'/usr/local/bin/worker' is not found");
        });
    }

    @Test
    void brokenSectionIsAnErrorFinding() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/etc/supervisord.conf", "[program:a]\ncommand=run 'unclosed\n[program:b]\ncommand=x %(ENV_NOPE)s\n")
                .build();
        Detection<SupervisordResult> d = new SupervisordDetector().detect(new DetectionContext(fs, ImageConfig.EMPTY));
        assertThat(d.findings(Finding.Kind.ERROR)).hasSize(2).allSatisfy(f -> {
            assertThat(f.path()).isEqualTo("/etc/supervisord.conf");
            assertThat(f.layer()).isEqualTo("memory");
        });
        assertThat(d.findings(Finding.Kind.ERROR)).anySatisfy(f -> assertThat(f.reason()).contains("No closing quotation"));
        assertThat(d.findings(Finding.Kind.ERROR)).anySatisfy(f -> assertThat(f.reason()).contains("ENV_NOPE"));
    }

    @Test
    void missingDashCConfigIsBlocker() {
        ImageConfig cfg = new ImageConfig(List.of(), List.of("/usr/bin/supervisord", "--configuration=/etc/nope.conf"),
                "", List.of(), null, "", null, null, null);
        Detection<SupervisordResult> d = new SupervisordDetector().detect(new DetectionContext(image().build(), cfg));
        assertThat(d.findings(Finding.Kind.BLOCKER)).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/etc/nope.conf");
            assertThat(f.reason()).contains("does not exist");
        });
        assertThat(d.result().found()).isFalse();
    }

    @Test
    void shlexSplitsLikePython() {
        assertThat(Shlex.split("nginx -g 'daemon off;'")).containsExactly("nginx", "-g", "daemon off;");
        assertThat(Shlex.split("a \"b \\\"c\\\" d\" e\\ f #g")).containsExactly("a", "b \"c\" d", "e f", "#g");
        assertThatThrownBy(() -> Shlex.split("a 'b")).hasMessageContaining("No closing quotation");
    }

    @Test
    void expansionFormatsProcessNumbers() {
        assertThat(SupervisordDetector.expand("%(program_name)s_%(process_num)02d 100%%",
                Map.of("program_name", "w", "process_num", "3"))).isEqualTo("w_03 100%");
    }

    @Test
    void dashCIsFoundBehindAWrapperThatNeedsAShell() {
        MemoryFileSystem fs = image()
                .file("/entrypoint.sh", "#!/bin/sh\nfor f in /init.d/*; do . \"$f\"; done\nexec \"$@\"\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/bin/sh", new byte[] {0x7f, 'E', 'L', 'F'}, 0755)
                .build();
        ImageConfig cfg = new ImageConfig(List.of("/entrypoint.sh"),
                List.of("supervisord", "-c", "/etc/supervisor/conf.d/supervisord.conf"), "", List.of("TZ=UTC"), null, "", null, null, null);
        SupervisordResult r = new SupervisordDetector().detect(new DetectionContext(fs, cfg)).result();
        assertThat(r.mainConfig()).isEqualTo("/etc/supervisor/conf.d/supervisord.conf");
        assertThat(r.programs()).hasSize(2);
    }

    @Test
    void searchPathFollowsSupervisorOrder() {
        MemoryFileSystem fs = image()
                .file("/usr/etc/supervisord.conf", "[program:a]\ncommand=nginx\n")
                .file("/etc/supervisord.conf", "[program:b]\ncommand=nginx\n")
                .build();
        ImageConfig cfg = new ImageConfig(List.of(), List.of("supervisord", "-n"), "", List.of(), null, "/app", null, null, null);
        DetectionContext ctx = new DetectionContext(fs, cfg);
        assertThat(SupervisordDetector.searchPath(ctx, List.of("supervisord", "-n"))).containsExactly(
                "/usr/etc/supervisord.conf", "/usr/supervisord.conf", "/app/supervisord.conf", "/app/etc/supervisord.conf",
                "/etc/supervisord.conf", "/etc/supervisor/supervisord.conf");
        assertThat(new SupervisordDetector().detect(ctx).result().mainConfig()).isEqualTo("/usr/etc/supervisord.conf");
    }
}
