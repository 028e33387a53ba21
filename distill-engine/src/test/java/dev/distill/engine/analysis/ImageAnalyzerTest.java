package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.plan.Classification;
import dev.distill.engine.plan.PlanNote;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Blocked and reviewed plans, on tiny images built in memory. */
class ImageAnalyzerTest {

    private static final ImageAnalyzer ANALYZER = new ImageAnalyzer(ImageAnalyzer.Options.defaults());
    private static final AnalysisReport.Subject SUBJECT = new AnalysisReport.Subject("test", "sha256:" + "a".repeat(64), "linux/amd64");

    private static ImageConfig config(List<String> entrypoint, List<String> cmd) {
        return new ImageConfig(entrypoint, cmd, "", List.of("PATH=/usr/local/bin:/usr/bin:/bin"), List.of(), "/", "",
                null, null);
    }

    @Test
    void anEntrypointThatNeedsAShellBlocksTheMigrationWithTheLine() throws IOException {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/bin/sh", Files.readAllBytes(Path.of("/bin/dash")), 0755)
                .file("/entrypoint.sh", ("#!/bin/sh\nset -e\nfor f in /docker-entrypoint.d/*.sh; do . \"$f\"; done\n"
                        + "exec \"$@\"\n").getBytes(), 0755)
                .build();
        AnalysisReport report = ANALYZER.analyze(fs, config(List.of("/entrypoint.sh"), List.of("/bin/sh")), SUBJECT);
        assertThat(report.classification()).isEqualTo(Classification.BLOCKED);
        assertThat(report.plan().blockers()).extracting(PlanNote::path).anySatisfy(p -> assertThat(p).startsWith("/entrypoint.sh:3"));
    }

    @Test
    void aMissingLibraryBlocksItsProgramAndSaysWhichOne() throws IOException {
        // /usr/bin/ls needs libselinux and libc; the image has neither.
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/usr/bin/ls", Files.readAllBytes(Path.of("/usr/bin/ls")), 0755)
                .build();
        AnalysisReport report = ANALYZER.analyze(fs, config(List.of("/usr/bin/ls"), List.of()), SUBJECT);
        assertThat(report.classification()).isEqualTo(Classification.BLOCKED);
        assertThat(report.plan().programs().get(0).blockers()).extracting(PlanNote::reason)
                .anySatisfy(r -> assertThat(r).contains("libc.so.6").contains("cannot be found"));
        assertThat(report.binaries()).singleElement().satisfies(b -> assertThat(b.resolved()).containsEntry("libc.so.6", null));
    }

    @Test
    void aStaticProgramCarriesItselfAndItsWorkingDirectory() throws IOException {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/app/server", Files.readAllBytes(Path.of("/bin/busybox")), 0755)
                .file("/app/static/index.html", "hi\n")
                .file("/srv/www/index.html", "served\n")
                .file("/etc/server.conf", "port=8080\n")
                .file("/usr/share/doc/unrelated.txt", "no\n")
                .symlink("/app/loop-a", "loop-b")
                .symlink("/app/loop-b", "loop-a")
                .build();
        ImageConfig config = new ImageConfig(List.of("/app/server"), List.of("httpd", "-f", "-h", "/srv/www",
                "--config=/etc/server.conf"), "65532",
                List.of("PATH=/usr/bin:/bin"), List.of("8080/tcp"), "/app", "", null, null);
        AnalysisReport report = ANALYZER.analyze(fs, config, SUBJECT);
        assertThat(report.classification()).isEqualTo(Classification.MIGRATABLE);
        assertThat(report.plan().programs().get(0).files()).extracting(f -> f.path())
                .contains("/app/server", "/app/static/index.html", "/srv/www/index.html", "/etc/server.conf")
                .doesNotContain("/usr/share/doc/unrelated.txt");
        assertThat(report.plan().programs().get(0).command()).containsExactly("/app/server", "httpd", "-f", "-h",
                "/srv/www", "--config=/etc/server.conf");
    }

    @Test
    void anImageWithoutACommandIsBlocked() throws IOException {
        MemoryFileSystem fs = MemoryFileSystem.builder().file("/etc/hostname", "x\n").build();
        AnalysisReport report = ANALYZER.analyze(fs, config(List.of(), List.of()), SUBJECT);
        assertThat(report.classification()).isEqualTo(Classification.BLOCKED);
        assertThat(report.plan().programs()).isEmpty();
    }
}
