package dev.distill.engine.detect.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellDetectorTest {

    /** The official image's docker-php-entrypoint, restated from its documented behaviour. */
    static final String DOCKER_PHP_ENTRYPOINT = """
            #!/bin/sh
            set -e

            # first arg is `-f` or `--some-option`
            if [ "${1#-}" != "$1" ]; then
            	set -- php-fpm "$@"
            fi

            exec "$@"
            """;

    static final String TEMPLATING = """
            #!/bin/bash
            set -eu
            export LISTEN_PORT="${LISTEN_PORT:-8080}"
            envsubst '$LISTEN_PORT' < /etc/nginx/templates/default.conf.template > /etc/nginx/conf.d/default.conf
            for f in /docker-entrypoint.d/*.sh; do
              . "$f"
            done
            exec "$@"
            """;

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

    static MemoryFileSystem.Builder phpImage() {
        return MemoryFileSystem.builder()
                .file("/usr/local/bin/docker-php-entrypoint", DOCKER_PHP_ENTRYPOINT.getBytes(StandardCharsets.UTF_8), 0755)
                .file("/usr/local/sbin/php-fpm", ELF, 0755)
                .file("/bin/busybox", ELF, 0755)
                .symlink("/bin/sh", "busybox");
    }

    static ImageConfig config(List<String> entrypoint, List<String> cmd) {
        return new ImageConfig(entrypoint, cmd, "", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                List.of("9000/tcp"), "/var/www/html", "SIGQUIT", null, null);
    }

    static Detection<EntrypointResult> run(MemoryFileSystem fs, ImageConfig config) {
        return new ShellDetector().detect(new DetectionContext(fs, config));
    }

    @Test
    void dockerPhpEntrypointWithPhpFpmResolvesToExecForm() {
        Detection<EntrypointResult> d = run(phpImage().build(), config(List.of("docker-php-entrypoint"), List.of("php-fpm")));
        EntrypointResult r = d.result();
        assertThat(r.declared()).containsExactly("docker-php-entrypoint", "php-fpm");
        assertThat(r.verdict()).isEqualTo(EntrypointResult.Verdict.RESOLVED);
        assertThat(r.command()).containsExactly("php-fpm");
        assertThat(r.program()).isEqualTo("/usr/local/sbin/php-fpm");
        assertThat(r.hops()).extracting(EntrypointResult.Hop::kind)
                .containsExactly(EntrypointResult.HopKind.SHELL_SCRIPT, EntrypointResult.HopKind.ELF);
        assertThat(d.blocked()).isFalse();
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.kind()).isEqualTo(Finding.Kind.INFO);
            assertThat(f.path()).isEqualTo("/usr/local/bin/docker-php-entrypoint");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.reason()).contains("trivial exec wrapper").contains("[php-fpm]");
        });
    }

    @Test
    void dockerPhpEntrypointWithAnOptionPrependsPhpFpm() {
        EntrypointResult r = run(phpImage().build(), config(List.of("docker-php-entrypoint"), List.of("-F"))).result();
        assertThat(r.verdict()).isEqualTo(EntrypointResult.Verdict.RESOLVED);
        assertThat(r.command()).containsExactly("php-fpm", "-F");
        assertThat(r.program()).isEqualTo("/usr/local/sbin/php-fpm");
    }

    @Test
    void templatingEntrypointWithALoopIsBlockedWithLines() {
        MemoryFileSystem fs = phpImage()
                .file("/docker-entrypoint.sh", TEMPLATING.getBytes(StandardCharsets.UTF_8), 0755)
                .file("/bin/bash", ELF, 0755)
                .build();
        Detection<EntrypointResult> d = run(fs, config(List.of("/docker-entrypoint.sh"), List.of("php-fpm")));
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.NEEDS_SHELL);
        assertThat(d.result().command()).isEmpty();
        assertThat(d.result().blockers()).extracting(EntrypointResult.Blocker::line).contains(3, 5);
        List<Finding> blockers = d.findings(Finding.Kind.BLOCKER);
        assertThat(blockers).allSatisfy(f -> {
            assertThat(f.path()).isEqualTo("/docker-entrypoint.sh");
            assertThat(f.layer()).isEqualTo("memory");
        });
        assertThat(blockers).anySatisfy(f -> {
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.reason()).contains("$LISTEN_PORT");
        });
        assertThat(blockers).anySatisfy(f -> {
            assertThat(f.line()).isEqualTo(5);
            assertThat(f.reason()).contains("'for' loop");
        });
    }

    static final String NGINX_TEMPLATE = """
            server {
                listen ${LISTEN_PORT};
                root ${DOC_ROOT};
            }
            """;

    static final String RENDER = """
            #!/bin/sh
            set -e
            envsubst < /etc/nginx/templates/default.conf.template > /etc/nginx/conf.d/default.conf
            exec "$@"
            """;

    static MemoryFileSystem templatingImage() {
        return phpImage()
                .file("/docker-entrypoint.sh", RENDER.getBytes(StandardCharsets.UTF_8), 0755)
                .file("/etc/nginx/templates/default.conf.template", NGINX_TEMPLATE.getBytes(StandardCharsets.UTF_8), 0644)
                .file("/usr/bin/envsubst", ELF, 0755)
                .build();
    }

    static ImageConfig withEnv(List<String> entrypoint, List<String> cmd, String... env) {
        List<String> all = new java.util.ArrayList<>(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        all.addAll(List.of(env));
        return new ImageConfig(entrypoint, cmd, "", all, List.of("9000/tcp"), "/var/www/html", "SIGQUIT", null, null);
    }

    @Test
    void aTemplateFromTheImagesOwnEnvironmentIsBakedAtBuildTime() {
        Detection<EntrypointResult> d = run(templatingImage(), withEnv(List.of("/docker-entrypoint.sh"), List.of("php-fpm"),
                "LISTEN_PORT=8080", "DOC_ROOT=/srv"));
        EntrypointResult r = d.result();
        assertThat(r.verdict()).isEqualTo(EntrypointResult.Verdict.RESOLVED);
        assertThat(r.command()).containsExactly("php-fpm");
        assertThat(r.steps()).singleElement().satisfies(s -> {
            assertThat(s.action()).isEqualTo(StepAction.BAKE);
            assertThat(s.where()).isEqualTo("/docker-entrypoint.sh:3");
            assertThat(s.program()).isEqualTo("/usr/bin/envsubst");
            assertThat(s.reason()).contains("/etc/nginx/conf.d/default.conf").contains("DOC_ROOT=/srv, LISTEN_PORT=8080");
        });
        assertThat(d.blocked()).isFalse();
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.reason()).startsWith("baked at build time: envsubst <");
        });
    }

    @Test
    void aTemplateFromTheDeploymentsEnvironmentIsBlockedNamingTheVariable() {
        Detection<EntrypointResult> d = run(templatingImage(), withEnv(List.of("/docker-entrypoint.sh"), List.of("php-fpm"),
                "LISTEN_PORT=8080"));
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.RESOLVED);
        assertThat(d.result().steps()).singleElement().extracting(StartupStep::action).isEqualTo(StepAction.BLOCK);
        assertThat(d.findings(Finding.Kind.BLOCKER)).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/docker-entrypoint.sh");
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.reason()).contains("$DOC_ROOT").doesNotContain("$LISTEN_PORT").contains("init step in exec form");
        });
    }

    /** The official images' pattern (redis, valkey...): a root-only branch that fixes ownership and re-runs itself. */
    static final String OFFICIAL = """
            #!/bin/sh
            set -e
            if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
            	set -- valkey-server "$@"
            fi
            if [ "$1" = 'valkey-server' -a "$(id -u)" = '0' ]; then
            	find . \\! -user valkey -exec chown valkey '{}' +
            	exec setpriv --reuid=valkey --regid=valkey --clear-groups -- "$0" "$@"
            fi
            um="$(umask)"
            if [ "$um" = '0022' ]; then
            	umask 0077
            fi
            exec "$@"
            """;

    static MemoryFileSystem officialImage() {
        return MemoryFileSystem.builder()
                .file("/usr/local/bin/docker-entrypoint.sh", OFFICIAL.getBytes(StandardCharsets.UTF_8), 0755)
                .file("/usr/local/bin/valkey-server", ELF, 0755)
                .file("/usr/bin/find", ELF, 0755)
                .file("/usr/bin/setpriv", ELF, 0755)
                .file("/bin/dash", ELF, 0755)
                .symlink("/bin/sh", "dash")
                .file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nvalkey:x:999:998::/home/valkey:/usr/sbin/nologin\n"
                        .getBytes(StandardCharsets.UTF_8), 0644)
                .file("/etc/group", "root:x:0:\nvalkey:x:998:\n".getBytes(StandardCharsets.UTF_8), 0644)
                .build();
    }

    @Test
    void theOfficialImagePatternIsEvaluatedForTheUserTheScriptDropsTo() {
        ImageConfig cfg = new ImageConfig(List.of("docker-entrypoint.sh"), List.of("valkey-server"), "",
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), List.of("6379/tcp"), "/data",
                null, null, List.of("/data"));
        Detection<EntrypointResult> d = run(officialImage(), cfg);
        EntrypointResult r = d.result();
        assertThat(r.verdict()).isEqualTo(EntrypointResult.Verdict.RESOLVED);
        assertThat(r.command()).containsExactly("valkey-server");
        assertThat(r.program()).isEqualTo("/usr/local/bin/valkey-server");
        assertThat(r.runAs()).isEqualTo(new EntrypointResult.RunAs("valkey", 999, "valkey", 998, "/home/valkey",
                "setpriv in /usr/local/bin/docker-entrypoint.sh"));
        assertThat(r.steps()).extracting(s -> s.step().line()).containsExactly(7, 12);
        StartupStep chown = r.steps().get(0);
        assertThat(chown.action()).isEqualTo(StepAction.IDENTITY);
        assertThat(chown.ownership()).containsExactly(new Ownership("/data", true, "valkey", 999, -1));
        StartupStep umask = r.steps().get(1);
        assertThat(umask.action()).isEqualTo(StepAction.IDENTITY);
        assertThat(umask.reproduced()).isFalse();
        assertThat(d.blocked()).isFalse();
        assertThat(d.findings(Finding.Kind.WARNING)).singleElement().satisfies(f -> {
            assertThat(f.line()).isEqualTo(12);
            assertThat(f.reason()).contains("umask").contains("0077");
        });
    }

    @Test
    void aDropToAUserTheImageDoesNotKnowIsBlocked() {
        MemoryFileSystem fs = phpImage()
                .file("/entry.sh", "#!/bin/sh\nexec gosu app php-fpm\n".getBytes(StandardCharsets.UTF_8), 0755)
                .build();
        Detection<EntrypointResult> d = run(fs, config(List.of("/entry.sh"), List.of()));
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.NEEDS_SHELL);
        assertThat(d.findings(Finding.Kind.BLOCKER)).singleElement().satisfies(f -> assertThat(f.reason())
                .contains("'app'").contains("gosu"));
    }

    @Test
    void unknownCommandsAreForReviewAndFileSetupIsBakedOrRunBeforeEachStart() {
        String script = "#!/bin/sh\nset -e\nmkdir -p /var/www/html/storage/logs\nchown -R www-data:www-data storage\n"
                + "mkdir -p /var/lib/app/sessions\n/usr/local/bin/warm-up --all\nexec \"$@\"\n";
        MemoryFileSystem fs = phpImage()
                .file("/entry.sh", script.getBytes(StandardCharsets.UTF_8), 0755)
                .file("/usr/local/bin/warm-up", ELF, 0755)
                .file("/bin/mkdir", ELF, 0755)
                .file("/bin/chown", ELF, 0755)
                .build();
        ImageConfig cfg = new ImageConfig(List.of("/entry.sh"), List.of("php-fpm"), "",
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), List.of(), "/var/www/html",
                null, null, List.of("/var/lib/app"));
        Detection<EntrypointResult> d = run(fs, cfg);
        assertThat(d.result().steps()).extracting(StartupStep::action)
                .containsExactly(StepAction.BAKE, StepAction.BAKE, StepAction.INIT, StepAction.REVIEW);
        assertThat(d.result().steps().get(1).reason()).contains("/var/www/html/storage");
        assertThat(d.result().steps().get(2).reason()).contains("/var/lib/app");
        assertThat(d.findings(Finding.Kind.WARNING)).singleElement().satisfies(f -> {
            assertThat(f.line()).isEqualTo(6);
            assertThat(f.reason()).contains("needs review").contains("/usr/local/bin/warm-up");
        });
    }

    @Test
    void shellFormCommandWithExecResolves() {
        MemoryFileSystem fs = phpImage().file("/usr/sbin/nginx", ELF, 0755).build();
        Detection<EntrypointResult> d = run(fs, config(List.of(), List.of("/bin/sh", "-c", "exec nginx -g 'daemon off;'")));
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.RESOLVED);
        assertThat(d.result().command()).containsExactly("nginx", "-g", "daemon off;");
        assertThat(d.result().program()).isEqualTo("/usr/sbin/nginx");
    }

    @Test
    void shellFormWithEnvironmentAndChainNeedsAShell() {
        Detection<EntrypointResult> d = run(phpImage().build(),
                config(List.of("sh", "-c", "php-fpm -d memory_limit=$MEM && echo done"), List.of()));
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.NEEDS_SHELL);
        assertThat(d.findings(Finding.Kind.BLOCKER)).anySatisfy(f -> {
            assertThat(f.path()).isEmpty();
            assertThat(f.line()).isEqualTo(1);
            assertThat(f.reason()).contains("$MEM");
        });
        assertThat(d.findings(Finding.Kind.BLOCKER)).anySatisfy(f -> assertThat(f.reason()).contains("'&&'"));
    }

    @Test
    void programMissingFromPathIsBlocker() {
        Detection<EntrypointResult> d = run(phpImage().build(), config(List.of(), List.of("apache2-foreground")));
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.NOT_FOUND);
        assertThat(d.findings(Finding.Kind.BLOCKER)).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("'apache2-foreground' is not found").contains("/usr/local/sbin"));
    }

    @Test
    void defaultPathIsUsedWhenTheImageSetsNone() {
        ImageConfig noPath = new ImageConfig(List.of(), List.of("php-fpm"), "", List.of(), null, "", null, null, null);
        EntrypointResult r = run(phpImage().build(), noPath).result();
        assertThat(r.verdict()).isEqualTo(EntrypointResult.Verdict.EXEC);
        assertThat(r.program()).isEqualTo("/usr/local/sbin/php-fpm");
    }

    @Test
    void envShebangAndPythonScriptsAreRecognised() {
        MemoryFileSystem fs = phpImage()
                .file("/usr/bin/supervisord", "#!/usr/bin/python3\nfrom supervisor.supervisord import main\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/entry.sh", "#!/usr/bin/env sh\nexec /usr/bin/supervisord -c /etc/supervisord.conf\n".getBytes(StandardCharsets.UTF_8), 0755)
                .build();
        Detection<EntrypointResult> d = run(fs, config(List.of("/entry.sh"), List.of()));
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.INTERPRETED);
        assertThat(d.result().command()).containsExactly("/usr/bin/supervisord", "-c", "/etc/supervisord.conf");
        assertThat(d.result().program()).isEqualTo("/usr/bin/supervisord");
        assertThat(d.findings()).anySatisfy(f -> assertThat(f.reason()).contains("python3 script"));
    }

    @Test
    void noCommandIsBlocker() {
        Detection<EntrypointResult> d = run(phpImage().build(), ImageConfig.EMPTY);
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.NO_COMMAND);
        assertThat(d.blocked()).isTrue();
    }

    @Test
    void unreadableScriptIsAnErrorFindingNotAThrow() {
        MemoryFileSystem fs = phpImage().file("/e.sh", "#!/bin/sh\necho 'unterminated\n".getBytes(StandardCharsets.UTF_8), 0755).build();
        Detection<EntrypointResult> d = run(fs, config(List.of("/e.sh"), List.of()));
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.NEEDS_SHELL);
        assertThat(d.findings(Finding.Kind.ERROR)).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/e.sh");
            assertThat(f.reason()).contains("unterminated single quote");
        });
    }

    @Test
    void dockerPhpEntrypointWithoutArgumentsRunsNothing() {
        Detection<EntrypointResult> d = run(phpImage().build(), config(List.of("docker-php-entrypoint"), List.of()));
        assertThat(d.result().verdict()).isEqualTo(EntrypointResult.Verdict.NEEDS_SHELL);
        assertThat(d.findings(Finding.Kind.BLOCKER)).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("runs no program"));
    }

    @Test
    void shellGivenAScriptFileIsFollowed() {
        MemoryFileSystem fs = phpImage()
                .file("/app/start.sh", "set -e\nexec php-fpm -F \"$@\"\n")
                .build();
        ImageConfig cfg = new ImageConfig(List.of("/bin/sh", "-e", "start.sh"), List.of("-R"), "", List.of(), null, "/app",
                null, null, null);
        EntrypointResult r = run(fs, cfg).result();
        assertThat(r.verdict()).isEqualTo(EntrypointResult.Verdict.RESOLVED);
        assertThat(r.command()).containsExactly("php-fpm", "-F", "-R");
        assertThat(r.hops().get(0).path()).isEqualTo("/app/start.sh");
    }

    @Test
    void busyboxShDashCAndBareShell() {
        EntrypointResult r = run(phpImage().build(), config(List.of("busybox", "sh", "-ec", "exec php-fpm"), List.of())).result();
        assertThat(r.command()).containsExactly("php-fpm");
        Detection<EntrypointResult> bare = run(phpImage().build(), config(List.of(), List.of("/bin/sh")));
        assertThat(bare.result().verdict()).isEqualTo(EntrypointResult.Verdict.NEEDS_SHELL);
        assertThat(bare.findings(Finding.Kind.BLOCKER)).singleElement().satisfies(f -> assertThat(f.reason()).contains("no script"));
    }
}
