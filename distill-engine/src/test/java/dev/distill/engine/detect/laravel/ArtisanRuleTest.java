package dev.distill.engine.detect.laravel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.catalog.Catalog;
import dev.distill.engine.detect.shell.EntrypointResult;
import dev.distill.engine.detect.shell.ShellDetector;
import dev.distill.engine.detect.shell.StartupStep;
import dev.distill.engine.detect.shell.StepAction;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArtisanRuleTest {

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

    static final String ENTRYPOINT = """
            #!/bin/sh
            set -e
            php artisan config:cache
            php -d memory_limit=-1 artisan route:cache
            ./artisan view:cache
            php artisan storage:link
            php artisan migrate --force
            php artisan db:seed
            php artisan migrate:fresh
            php artisan
            exec "$@"
            """;

    static Detection<EntrypointResult> detect() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/usr/local/bin/entrypoint.sh", ENTRYPOINT.getBytes(StandardCharsets.UTF_8), 0755)
                .file("/var/www/html/artisan", "#!/usr/bin/env php\n<?php\nrequire 'vendor/autoload.php';\n"
                        .getBytes(StandardCharsets.UTF_8), 0755)
                .file("/usr/bin/php8.2", ELF, 0755)
                .symlink("/usr/bin/php", "php8.2")
                .file("/usr/sbin/php-fpm8.2", ELF, 0755)
                .file("/bin/dash", ELF, 0755)
                .symlink("/bin/sh", "dash")
                .build();
        ImageConfig config = new ImageConfig(List.of("entrypoint.sh"), List.of("php-fpm8.2", "-F"), "",
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), List.of("9000/tcp"),
                "/var/www/html", null, null, null);
        return new ShellDetector(Catalog.standardStepRules()).detect(new DetectionContext(fs, config));
    }

    @Test
    void cachesAreBakedMigrationsRunBeforeEachStartTheRestIsForReview() {
        EntrypointResult r = detect().result();
        assertThat(r.verdict()).isEqualTo(EntrypointResult.Verdict.RESOLVED);
        assertThat(r.command()).containsExactly("php-fpm8.2", "-F");
        assertThat(r.steps()).extracting(s -> s.step().line()).containsExactly(3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(r.steps()).extracting(StartupStep::action).containsExactly(StepAction.BAKE, StepAction.BAKE,
                StepAction.BAKE, StepAction.BAKE, StepAction.INIT, StepAction.INIT, StepAction.REVIEW, StepAction.REVIEW);
        assertThat(r.steps().get(0).program()).isEqualTo("/usr/bin/php");
        assertThat(r.steps().get(0).reason()).contains("bootstrap/cache/config.php").contains("/var/www/html/artisan");
        assertThat(r.steps().get(2).program()).isEqualTo("/var/www/html/artisan");
        assertThat(r.steps().get(4).reason()).contains("database the deployment provides");
        assertThat(r.steps().get(6).reason()).contains("migrate:fresh");
    }

    @Test
    void withoutTheLaravelKnowledgeArtisanIsForReview() {
        Detection<EntrypointResult> d = new ShellDetector().detect(new DetectionContext(
                MemoryFileSystem.builder().file("/e.sh", "#!/bin/sh\nphp artisan config:cache\nexec php-fpm\n"
                        .getBytes(StandardCharsets.UTF_8), 0755)
                        .file("/var/www/html/artisan", "<?php\n".getBytes(StandardCharsets.UTF_8), 0755)
                        .file("/usr/bin/php", ELF, 0755).file("/usr/sbin/php-fpm", ELF, 0755).build(),
                new ImageConfig(List.of("/e.sh"), List.of(), "", List.of(), List.of(), "/var/www/html", null, null, null)));
        assertThat(d.result().steps()).singleElement().extracting(StartupStep::action).isEqualTo(StepAction.REVIEW);
    }
}
