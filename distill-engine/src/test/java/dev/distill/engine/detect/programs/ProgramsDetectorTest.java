package dev.distill.engine.detect.programs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.catalog.Catalog;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The programs an image runs, in exec form, asked about every kind: scripts on their interpreters, supervisord's. */
class ProgramsDetectorTest {

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

    static MemoryFileSystem.Builder python() {
        return MemoryFileSystem.builder()
                .file("/usr/bin/python3.11", ELF, 0755)
                .symlink("/usr/bin/python3", "python3.11")
                .file("/usr/bin/env", ELF, 0755)
                .file("/usr/lib/python3.11/os.py", "import abc\n")
                .file("/usr/lib/python3.11/abc.py", "\n")
                .file("/usr/lib/python3.11/site.py", "import os\n")
                .directory("/usr/lib/python3.11/lib-dynload", 0755)
                .file("/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
                .file("/etc/group", "root:x:0:\napp:x:1000:\n");
    }

    static Detection<ProgramsResult> run(MemoryFileSystem fs, List<String> entrypoint, List<String> cmd, String user) {
        ImageConfig cfg = new ImageConfig(entrypoint, cmd, user, List.of("PATH=/usr/local/bin:/usr/bin:/bin"), List.of(),
                "/srv/app", null, null, null);
        return new ProgramsDetector().detect(new DetectionContext(fs, cfg, Catalog.standardKinds()));
    }

    @Test
    void anEnvShebangScriptRunsInExecFormOnTheInterpreterFoundOnPath() {
        MemoryFileSystem fs = python()
                .file("/usr/local/bin/serve", "#!/usr/bin/env python3\nimport os\n".getBytes(), 0755)
                .file("/srv/app/app.py", "import abc\n")
                .build();
        ProgramsResult r = run(fs, List.of("serve"), List.of("--port", "80"), "app").result();
        assertThat(r.programs()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("serve");
            assertThat(p.launch().argv()).containsExactly("/usr/bin/python3", "/usr/local/bin/serve", "--port", "80");
            assertThat(p.launch().executable()).isEqualTo("/usr/bin/python3");
            assertThat(p.launch().script()).isEqualTo("/usr/local/bin/serve");
            assertThat(p.launch().user()).isEqualTo("app");
            assertThat(p.profile().kind()).isEqualTo("python");
        });
    }

    @Test
    void aShebangArgumentStaysOneArgumentAsLinuxPassesIt() {
        MemoryFileSystem fs = python().file("/app/run", "#!/usr/bin/python3 -u\n".getBytes(), 0755).build();
        ProgramsResult r = run(fs, List.of("/app/run"), List.of("x"), "").result();
        assertThat(r.programs().get(0).launch().argv()).containsExactly("/usr/bin/python3", "-u", "/app/run", "x");
    }

    @Test
    void supervisordIsReplacedByItsProgramsWithTheUsersTheyReallyRunAs() {
        MemoryFileSystem fs = python()
                .file("/usr/bin/supervisord", "#!/usr/bin/python3\n".getBytes(), 0755)
                .file("/usr/bin/php8.2", ELF, 0755)
                .symlink("/usr/bin/php", "php8.2")
                .file("/srv/app/artisan", "<?php\n")
                .file("/etc/supervisord.conf", """
                        [supervisord]
                        nodaemon=true
                        [program:worker]
                        command=php artisan queue:work
                        directory=/srv/app
                        user=app
                        stopsignal=QUIT
                        [eventlistener:crashmail]
                        command=php artisan crashmail
                        """)
                .build();
        Detection<ProgramsResult> d = run(fs, List.of(), List.of("/usr/bin/supervisord", "-c", "/etc/supervisord.conf"), "");
        ProgramsResult r = d.result();
        assertThat(r.replaced()).singleElement().satisfies(x -> assertThat(x.kind()).isEqualTo("supervisord"));
        assertThat(r.programs()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("worker");
            assertThat(p.launch().argv()).containsExactly("/usr/bin/php", "artisan", "queue:work");
            assertThat(p.launch().user()).isEqualTo("app");
            assertThat(p.launch().workingDir()).isEqualTo("/srv/app");
            assertThat(p.stopSignal()).isEqualTo("SIGQUIT");
            assertThat(p.profile().kind()).isEqualTo("php-cli");
        });
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> assertThat(f.reason()).contains("eventlistener 'crashmail'"));
        // What the python kind would say of supervisord itself does not matter: it is replaced.
        assertThat(d.findings()).noneSatisfy(f -> assertThat(f.reason()).contains("python: kept"));
    }

    @Test
    void aProgramNoKindKnowsIsStillPlannedWithAnEmptyProfile() {
        MemoryFileSystem fs = MemoryFileSystem.builder().file("/app/server", ELF, 0755).build();
        ProgramsResult r = run(fs, List.of("/app/server"), List.of(), "65532").result();
        assertThat(r.programs()).singleElement().satisfies(p -> {
            assertThat(p.profile().kind()).isEqualTo("program");
            assertThat(p.profile().carry()).isEmpty();
            assertThat(p.stopSignal()).isNull();
        });
    }
}
