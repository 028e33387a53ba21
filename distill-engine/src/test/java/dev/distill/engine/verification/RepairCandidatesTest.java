package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Repair candidates from the source's own run: real traces of the fixtures (captured under runc as the verifier
 * traces them) against small images that stand for the source and a result missing what the program needs.
 */
class RepairCandidatesTest {

    private static final byte[] ELF = {0x7f, 'E', 'L', 'F'};

    @Test
    void oneRunOfTheSourceNamesEveryFileAProgramThatStopsAtItsFirstMissingFileNeeds() throws IOException {
        MemoryFileSystem source = MemoryFileSystem.builder()
                .file("/usr/local/bin/stitcher", ELF, 0755)
                .file("/usr/share/stitcher/header.txt", "Stitched from parts:\n")
                .file("/usr/share/stitcher/parts-v1/01-old.txt", "an old part nobody reads\n")
                .file("/usr/share/stitcher/parts-v2/01-one.txt", "one\n")
                .file("/usr/share/stitcher/parts-v2/02-two.txt", "two\n")
                .file("/usr/share/stitcher/parts-v2/03-three.txt", "three\n")
                .symlink("/usr/share/stitcher/parts", "parts-v2")
                .file("/usr/share/stitcher/footer.txt", "-- the end\n")
                .build();
        MemoryFileSystem result = MemoryFileSystem.builder().file("/usr/local/bin/stitcher", ELF, 0755).build();
        // The result ran and stopped at the first file; the source's run shows all of them.
        RepairCandidates.Program stitcher = new RepairCandidates.Program("stitcher", List.of("/usr/local/bin/stitcher"),
                List.of(), result, Map.of(), Set.of("/usr/share/stitcher/header.txt"));

        RepairCandidates.Found found = new RepairCandidates(source, KnownFiles.defaults())
                .find(trace("stitcher.strace"), List.of(stitcher), Map.of());

        assertThat(found.candidates()).allSatisfy(c -> assertThat(c.need()).isEqualTo(Verification.Need.NEEDED))
                .extracting(Verification.Candidate::path).containsExactly(
                        "/usr/share/stitcher/footer.txt",
                        "/usr/share/stitcher/header.txt",
                        "/usr/share/stitcher/parts",
                        "/usr/share/stitcher/parts-v2",
                        "/usr/share/stitcher/parts/01-one.txt",
                        "/usr/share/stitcher/parts/02-two.txt",
                        "/usr/share/stitcher/parts/03-three.txt");
        Verification.Candidate header = candidate(found, "/usr/share/stitcher/header.txt");
        assertThat(header.resultFailed()).isTrue();
        assertThat(header.reason()).isEqualTo("the source's stitcher read it; the result's failed to open it (ENOENT)");
        assertThat(header.source()).singleElement().asString()
                .matches("pid \\d+ /usr/local/bin/stitcher \\[/usr/local/bin/stitcher\\]: read");
        // a file named through the link: the link and the file, with the file's bytes
        Verification.Candidate one = candidate(found, "/usr/share/stitcher/parts/01-one.txt");
        assertThat(one.resultFailed()).isFalse();
        assertThat(one.entries()).containsExactly(new Verification.Entry("/usr/share/stitcher/parts", "SYMLINK", 0),
                new Verification.Entry("/usr/share/stitcher/parts-v2/01-one.txt", "REGULAR", 4));
        assertThat(one.bytes()).isEqualTo(4);
        assertThat(candidate(found, "/usr/share/stitcher/parts-v2").reason()).isEqualTo("the source's stitcher listed it");
        // the old parts nobody opened are not asked for
        assertThat(found.candidates()).noneMatch(c -> c.path().contains("parts-v1"));
        assertThat(found.notes()).isEmpty();
        assertThat(found.processes()).singleElement().satisfies(p -> {
            assertThat(p.executable()).isEqualTo("/usr/local/bin/stitcher");
            assertThat(p.programs()).containsExactly("stitcher");
        });
        assertThat(MigrationVerifier.toRepair(found.candidates()).get("stitcher")).hasSize(7);
    }

    @Test
    void underSupervisordEachProgramGetsWhatItsOwnProcessesUsedAndTheLoaderCacheAndTimeZoneAreHarmless()
            throws IOException {
        MemoryFileSystem source = MemoryFileSystem.builder()
                .file("/usr/local/bin/docker-entrypoint.sh", "#!/bin/sh\nexec \"$@\"\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/usr/bin/supervisord", "#!/usr/bin/python3\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/etc/supervisor/supervisord.conf", "[supervisord]\n")
                .file("/usr/sbin/nginx", ELF, 0755)
                .file("/usr/sbin/php-fpm8.2", ELF, 0755)
                .file("/etc/ld.so.cache", "cache")
                .file("/usr/share/zoneinfo/Etc/UTC", "TZif")
                .symlink("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC")
                .file("/etc/nginx/nginx.conf", "events {}\n")
                .file("/etc/nginx/sites-available/app", "server {}\n")
                .symlink("/etc/nginx/sites-enabled/app", "../sites-available/app")
                .file("/etc/php/8.2/fpm/php-fpm.conf", "[global]\n")
                .build();
        MemoryFileSystem nginxImage = MemoryFileSystem.builder().file("/usr/sbin/nginx", ELF, 0755)
                .file("/usr/share/zoneinfo/Etc/UTC", "TZif").build();
        MemoryFileSystem phpImage = MemoryFileSystem.builder().file("/usr/sbin/php-fpm8.2", ELF, 0755).build();
        List<RepairCandidates.Program> programs = List.of(
                new RepairCandidates.Program("nginx", List.of("/usr/sbin/nginx", "-g", "daemon off;"), List.of(),
                        nginxImage, Map.of(), Set.of()),
                new RepairCandidates.Program("php-fpm", List.of("/usr/sbin/php-fpm8.2", "-F"), List.of(), phpImage, Map.of(),
                        Set.of()));

        RepairCandidates.Found found = new RepairCandidates(source, KnownFiles.defaults())
                .find(trace("debian-php.strace.gz"), programs, Map.of());

        // supervisord's and the entrypoint's own files are nobody's
        assertThat(found.candidates()).extracting(Verification.Candidate::path)
                .doesNotContain("/etc/supervisor/supervisord.conf", "/usr/bin/supervisord");
        assertThat(found.candidates()).filteredOn(c -> c.program().equals("nginx"))
                .extracting(Verification.Candidate::path, Verification.Candidate::need).contains(
                        org.assertj.core.groups.Tuple.tuple("/etc/nginx/nginx.conf", Verification.Need.NEEDED),
                        org.assertj.core.groups.Tuple.tuple("/etc/nginx/sites-enabled/app", Verification.Need.NEEDED),
                        org.assertj.core.groups.Tuple.tuple("/etc/ld.so.cache", Verification.Need.HARMLESS),
                        org.assertj.core.groups.Tuple.tuple("/etc/localtime", Verification.Need.HARMLESS));
        assertThat(found.candidates()).filteredOn(c -> c.program().equals("php-fpm"))
                .extracting(Verification.Candidate::path).contains("/etc/php/8.2/fpm/php-fpm.conf")
                .doesNotContain("/etc/nginx/nginx.conf");
        assertThat(candidate(found, "/etc/nginx/nginx.conf").source()).first().asString()
                .matches("pid \\d+ /usr/sbin/nginx \\[nginx -g daemon off;\\]: read");
        // a link the result lacks, with the file it leads to
        assertThat(candidate(found, "/etc/nginx/sites-enabled/app").entries()).extracting(Verification.Entry::path)
                .containsExactly("/etc/nginx/sites-enabled/app", "/etc/nginx/sites-available/app");
        // the base has the zone's file, only the link is lacking; either way the time zone is not carried
        assertThat(candidate(found, "/etc/localtime").entries()).extracting(Verification.Entry::path)
                .containsExactly("/etc/localtime");
        assertThat(MigrationVerifier.toRepair(found.candidates()).get("nginx")).doesNotContain("/etc/ld.so.cache",
                "/etc/localtime");

        assertThat(found.processes()).filteredOn(p -> "/usr/bin/supervisord".equals(p.executable()) && !p.forked())
                .singleElement().satisfies(p -> assertThat(p.programs()).isEmpty());
        assertThat(found.processes()).filteredOn(p -> "/usr/sbin/php-fpm8.2".equals(p.executable()))
                .hasSizeGreaterThan(1).allSatisfy(p -> assertThat(p.programs()).containsExactly("php-fpm"));
    }

    @Test
    void programsSharingAnExecutableAreToldApartByTheirArgumentsAndForksAndHelpersKeepTheirProgram() throws IOException {
        String out = String.join("\n",
                "1 execve(\"/entrypoint.sh\", [\"/entrypoint.sh\"], 0x1 /* 1 vars */) = 0",
                "1 openat(AT_FDCWD</>, \"/etc/entrypoint.conf\", O_RDONLY) = 3</etc/entrypoint.conf>",
                "1 clone(child_stack=NULL, flags=SIGCHLD) = 2",
                "1 clone(child_stack=NULL, flags=SIGCHLD) = 3",
                "2 execve(\"/usr/bin/php\", [\"php\", \"/app/artisan\", \"queue:work\"], 0x1 /* 1 vars */) = 0",
                "2 openat(AT_FDCWD</app>, \"/app/queue.php\", O_RDONLY) = 3</app/queue.php>",
                "2 openat(AT_FDCWD</app>, \"/app/storage/queue.log\", O_WRONLY|O_APPEND) = 4</app/storage/queue.log>",
                "2 openat(AT_FDCWD</app>, \"/app/cache/routes.php\", O_RDONLY) = 5</app/cache/routes.php>",
                "2 vfork() = 4",
                "4 execve(\"/usr/sbin/sendmail\", [\"sendmail\", \"-t\"], 0x1 /* 1 vars */) = 0",
                "4 openat(AT_FDCWD</>, \"/etc/mail.rc\", O_RDONLY) = 3</etc/mail.rc>",
                "3 execve(\"/usr/bin/php\", [\"php\", \"/app/artisan\", \"schedule:work\"], 0x1 /* 1 vars */) = 0",
                "3 openat(AT_FDCWD</app>, \"/app/schedule.php\", O_RDONLY) = 3</app/schedule.php>");
        MemoryFileSystem source = MemoryFileSystem.builder()
                .file("/entrypoint.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/etc/entrypoint.conf", "x")
                .file("/usr/bin/php8.2", ELF, 0755).symlink("/usr/bin/php", "php8.2")
                .file("/app/artisan", "<?php\n")
                .file("/app/queue.php", "<?php\n").file("/app/schedule.php", "<?php\n")
                .file("/app/storage/queue.log", "")
                .file("/app/cache/routes.php", "<?php\n")
                .file("/usr/sbin/sendmail", ELF, 0755).file("/etc/mail.rc", "set x\n")
                .build();
        MemoryFileSystem image = MemoryFileSystem.builder().file("/usr/bin/php8.2", ELF, 0755)
                .symlink("/usr/bin/php", "php8.2").file("/app/artisan", "<?php\n").build();
        List<RepairCandidates.Program> programs = List.of(
                new RepairCandidates.Program("queue", List.of("/usr/bin/php", "/app/artisan", "queue:work"), List.of(), image,
                        Map.of("/app/cache", "cache"), Set.of()),
                new RepairCandidates.Program("schedule", List.of("/usr/bin/php", "/app/artisan", "schedule:work"), List.of(), image,
                        Map.of(), Set.of("/app/schedule.php", "/app/missing-everywhere.php")));

        RepairCandidates.Found found = new RepairCandidates(source, KnownFiles.defaults()).find(
                FileAccessTrace.parse(new StringReader(out)), programs, Map.of("schedule", Map.of("/app/schedule.php", 1)));

        assertThat(found.candidates()).filteredOn(c -> c.program().equals("queue"))
                .extracting(Verification.Candidate::path, Verification.Candidate::need).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/app/cache/routes.php", Verification.Need.PROVIDED_AT_RUN_TIME),
                        org.assertj.core.groups.Tuple.tuple("/app/queue.php", Verification.Need.NEEDED),
                        org.assertj.core.groups.Tuple.tuple("/app/storage/queue.log", Verification.Need.WRITTEN),
                        // the helper it ran is its own (the result will have to do without, or carry it)
                        org.assertj.core.groups.Tuple.tuple("/etc/mail.rc", Verification.Need.NEEDED),
                        org.assertj.core.groups.Tuple.tuple("/usr/sbin/sendmail", Verification.Need.NEEDED));
        assertThat(candidate(found, "/app/cache/routes.php").reason()).isEqualTo("volume cache is mounted at /app/cache in"
                + " the result");
        assertThat(candidate(found, "/etc/mail.rc").source()).singleElement().asString()
                .startsWith("pid 4 /usr/sbin/sendmail [sendmail -t]");
        // the scheduler's file was asked for in round 1 and is still lacking: not asked again
        Verification.Candidate schedule = candidate(found, "/app/schedule.php");
        assertThat(schedule.program()).isEqualTo("schedule");
        assertThat(schedule.askedInRound()).isEqualTo(1);
        assertThat(schedule.resultFailed()).isTrue();
        // the entrypoint's own file is nobody's; a path the source does not have is nothing to repair
        assertThat(found.candidates()).extracting(Verification.Candidate::path)
                .doesNotContain("/etc/entrypoint.conf", "/app/missing-everywhere.php");
        assertThat(MigrationVerifier.toRepair(found.candidates())).isEqualTo(Map.of("queue",
                List.of("/app/queue.php", "/etc/mail.rc", "/usr/sbin/sendmail")));
    }

    @Test
    void withoutTheSourcesProcessOnlyTheResultsOwnFailuresCountAndTheNoteSaysSo() throws IOException {
        String out = "1 execve(\"/bin/other\", [\"other\"], 0x1 /* 1 vars */) = 0\n";
        MemoryFileSystem source = MemoryFileSystem.builder().file("/bin/other", ELF, 0755)
                .file("/usr/local/bin/app", ELF, 0755).file("/etc/app.conf", "x").build();
        MemoryFileSystem image = MemoryFileSystem.builder().file("/usr/local/bin/app", ELF, 0755).build();
        RepairCandidates.Program app = new RepairCandidates.Program("app", List.of("app"), List.of(), image, Map.of(),
                Set.of("/etc/app.conf", "/etc/ld.so.cache"));

        RepairCandidates.Found found = new RepairCandidates(source, KnownFiles.defaults())
                .find(FileAccessTrace.parse(new StringReader(out)), List.of(app), Map.of());

        assertThat(found.candidates()).singleElement().satisfies(c -> {
            assertThat(c.path()).isEqualTo("/etc/app.conf");
            assertThat(c.reason()).isEqualTo("the result's app failed to open it (ENOENT) and the source has it");
            assertThat(c.source()).isEmpty();
        });
        assertThat(found.notes()).singleElement().asString()
                .isEqualTo("the source's run never executed app (app): only what the result failed to open can be repaired"
                        + " for it");
        assertThat(new RepairCandidates(source, KnownFiles.defaults()).find(null, List.of(app), Map.of()).notes())
                .singleElement().asString().startsWith("the source's run was not traced");
        // a command word without a slash is looked up in the program's PATH
        assertThat(RepairCandidates.Program.searchPath(List.of("HOME=/", "PATH=/opt/app/bin:relative:/usr/bin")))
                .containsExactly("/opt/app/bin", "/usr/bin");
        assertThat(RepairCandidates.Program.searchPath(List.of())).isEqualTo(RepairCandidates.DEFAULT_PATH);
    }

    @Test
    void knownFilesMatchByPathComponentsNotByPrefix() {
        KnownFiles known = KnownFiles.defaults();
        assertThat(known.match("/etc/ld.so.cache")).hasValueSatisfying(k -> assertThat(k.need())
                .isEqualTo(Verification.Need.HARMLESS));
        assertThat(known.match("/run/php/php-fpm.sock")).hasValueSatisfying(k -> assertThat(k.need())
                .isEqualTo(Verification.Need.PROVIDED_AT_RUN_TIME));
        assertThat(known.match("/runtime/data")).isEmpty();
        assertThat(known.match("/etc/ld.so.cache.d/x")).isEmpty();
        assertThat(KnownFiles.within("/tmp", "/tmp")).isTrue();
        assertThat(KnownFiles.within("/tmpfiles/x", "/tmp")).isFalse();
    }

    private static Verification.Candidate candidate(RepairCandidates.Found found, String path) {
        return found.candidates().stream().filter(c -> c.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no candidate " + path + " in " + found.candidates()));
    }

    private static FileAccessTrace trace(String sample) throws IOException {
        InputStream raw = RepairCandidatesTest.class.getResourceAsStream("/dev/distill/engine/runtime/trace/" + sample);
        try (Reader in = new InputStreamReader(sample.endsWith(".gz") ? new GZIPInputStream(raw) : raw,
                StandardCharsets.UTF_8)) {
            return FileAccessTrace.parse(in);
        }
    }
}
