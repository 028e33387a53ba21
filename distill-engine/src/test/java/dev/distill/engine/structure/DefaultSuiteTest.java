package dev.distill.engine.structure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.fs.DirectoryFileSystem;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.BaseChoice;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.ProgramRole;
import dev.distill.engine.testing.FixtureImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The suite derived from a plan: what it tests, that it round-trips as YAML, and that it judges images. */
class DefaultSuiteTest {

    @TempDir
    Path dir;

    static CarriedFile file(String path, FileType type, int mode, int uid, int gid, String target, String reason) {
        return new CarriedFile(path, type, mode, uid, gid, 0, target, "sha256:l0", reason);
    }

    static ProgramPlan plan(List<CarriedFile> files) {
        return new ProgramPlan("server", List.of("/usr/local/bin/server", "--port", "8080"), "app", "/srv/www",
                List.of("PATH=/usr/bin"), List.of("8080/tcp"), "", new BaseChoice(BaseImage.BASE, "test"), files,
                List.of(new Account("app", 1000, "app", 1000, "/srv")), List.of(), List.of(), List.of(), "test",
                ProgramRole.SERVICE, new Identity(1000, 1000, List.of(), "app", "/srv"), "test", List.of());
    }

    static List<CarriedFile> files() {
        String closure = "the program /usr/local/bin/server and what its loader loads";
        String tree = "the program's working directory (application files)";
        return List.of(
                file("/usr/local/bin/server", FileType.SYMLINK, 0777, 0, 0, "../lib/server/server", closure),
                file("/usr/local/lib/server/server", FileType.REGULAR, 04750, 0, 1000, null, closure),
                file("/lib/x86_64-linux-gnu/libc.so.6", FileType.REGULAR, 0755, 0, 0, null, closure),
                file("/srv/www", FileType.DIRECTORY, 0755, 1000, 1000, null, tree),
                file("/srv/www/index.php", FileType.REGULAR, 0644, 1000, 1000, null, tree),
                file("/srv/www/lib", FileType.DIRECTORY, 0755, 1000, 1000, null, tree),
                file("/srv/www/lib/a.php", FileType.REGULAR, 0644, 1000, 1000, null, tree));
    }

    @Test
    void theEntrypointIsFollowedToItsFileAndTestedForTheUsersExecuteBit() {
        StructureTestSuite suite = DefaultSuite.from(plan(files())).suite();
        FileExistenceTest entry = suite.fileExistenceTests().get(0);
        assertThat(entry.path()).isEqualTo("/usr/local/lib/server/server");
        // uid 1000 is not the owner (0) but is in the file's group (1000).
        assertThat(entry.isExecutableBy()).isEqualTo("group");
        assertThat(entry.name()).isEqualTo("entrypoint /usr/local/bin/server is executable by 1000:1000");
    }

    @Test
    void theUserTheResultRunsAsDecidesTheExecuteBitAndTheMetadata() {
        ProgramPlan plan = plan(files());
        StructureTestSuite asNonroot = DefaultSuite.from(plan, "65532:65532").suite();
        assertThat(asNonroot.fileExistenceTests().get(0).isExecutableBy()).isEqualTo("other");
        assertThat(asNonroot.metadataTest().user()).isEqualTo("65532:65532");
        assertThat(DefaultSuite.from(plan, "0:1000").suite().fileExistenceTests().get(0).isExecutableBy()).as("root").isEqualTo("any");
        assertThat(DefaultSuite.from(plan, "1000:1000").suite().fileExistenceTests().get(0).isExecutableBy()).isEqualTo("group");
        assertThat(DefaultSuite.from(plan, "").suite().fileExistenceTests().get(0).isExecutableBy()).isEqualTo("any");
    }

    @Test
    void carriedFilesAreTestedOncePerTreeWithSetuidDroppedAndForbiddenToolsAbsent() {
        DefaultSuite d = DefaultSuite.from(plan(files()));
        assertThat(d.leftOut()).isEqualTo(3);  // the files below /srv/www
        assertThat(d.suite().fileExistenceTests()).extracting(FileExistenceTest::path).containsExactly(
                "/usr/local/lib/server/server", "/usr/local/bin/server", "/usr/local/lib/server/server",
                "/lib/x86_64-linux-gnu/libc.so.6", "/srv/www", "/bin/sh", "/bin/bash", "/bin/busybox", "/usr/bin/apt",
                "/usr/bin/apt-get", "/usr/bin/dpkg", "/sbin/apk");
        assertThat(d.suite().fileExistenceTests()).filteredOn(t -> t.name().startsWith("carried "))
                .extracting(FileExistenceTest::permissions)
                .containsExactly("lrwxrwxrwx", "-rwxr-x---", "-rwxr-xr-x", "drwxr-xr-x");
        assertThat(d.suite().fileExistenceTests()).filteredOn(t -> t.path().equals("/bin/sh"))
                .singleElement().satisfies(t -> assertThat(t.shouldExist()).isFalse());
        MetadataTest m = d.suite().metadataTest();
        // As the builder writes it: the program as ENTRYPOINT, its arguments as CMD.
        assertThat(m.entrypoint()).containsExactly("/usr/local/bin/server");
        assertThat(m.cmd()).containsExactly("--port", "8080");
        assertThat(m.user()).as("the plan's run-as identity, which the builder writes").isEqualTo("1000:1000");
        assertThat(m.workdir()).isEqualTo("/srv/www");
        assertThat(m.exposedPorts()).containsExactly("8080/tcp");
    }

    @Test
    void aProgramThatIsItselfAForbiddenToolIsNotForbiddenItsOwnExecutable() {
        // busybox httpd as the migrated program, reached through a carried /bin/sh -> busybox style link
        ProgramPlan plan = new ProgramPlan("httpd", List.of("/bin/httpd", "-f", "-p", "8080"), "app", "/", List.of(),
                List.of("8080/tcp"), "", new BaseChoice(BaseImage.STATIC, "test"),
                List.of(file("/bin/httpd", FileType.SYMLINK, 0777, 0, 0, "busybox", "closure"),
                        file("/bin/busybox", FileType.REGULAR, 0755, 0, 0, null, "closure")),
                List.of(new Account("app", 1000, "app", 1000, "/")), List.of(), List.of(), List.of(), "test",
                ProgramRole.SERVICE, new Identity(1000, 1000, List.of(), "app", "/"), "test", List.of());
        List<FileExistenceTest> tests = DefaultSuite.from(plan).suite().fileExistenceTests();
        assertThat(tests).filteredOn(t -> !t.shouldExist()).extracting(FileExistenceTest::path)
                .containsExactly("/bin/sh", "/bin/bash", "/usr/bin/apt", "/usr/bin/apt-get", "/usr/bin/dpkg", "/sbin/apk");
        assertThat(tests).filteredOn(t -> t.path().equals("/bin/busybox")).allSatisfy(t -> assertThat(t.shouldExist()).isTrue())
                .isNotEmpty();
    }

    @Test
    void theCapBoundsTheSuiteOfAHugePlan() {
        List<CarriedFile> many = new ArrayList<>();
        for (int i = 0; i < DefaultSuite.MAX_FILE_TESTS + 50; i++) {
            many.add(file("/usr/share/data/f" + i, FileType.REGULAR, 0644, 0, 0, null, "named on the command line (" + i + ")"));
        }
        DefaultSuite d = DefaultSuite.from(plan(many));
        assertThat(d.leftOut()).isEqualTo(50);
        assertThat(d.suite().fileExistenceTests()).filteredOn(t -> t.name().startsWith("carried "))
                .hasSize(DefaultSuite.MAX_FILE_TESTS);
    }

    @Test
    void theSuiteIsWrittenAsYamlAndReadBackTheSame() {
        StructureTestSuite suite = DefaultSuite.from(plan(files())).suite();
        String yaml = StructureTestYaml.write(suite);
        assertThat(StructureTestYaml.parse(yaml)).isEqualTo(suite);
        assertThat(yaml).contains("isExecutableBy: group").contains("shouldExist: false");
    }

    @Test
    void theSuitePassesOnAnImageBuiltAsPlannedAndFailsWithAShell() {
        ProgramPlan plan = plan(files());
        MemoryFileSystem.Builder built = MemoryFileSystem.builder()
                .symlink("/usr/local/bin/server", "../lib/server/server")
                .owner(0, 1000).file("/usr/local/lib/server/server", bytes("elf"), 0750)
                .owner(0, 0).file("/lib/x86_64-linux-gnu/libc.so.6", bytes("libc"), 0755)
                .owner(1000, 1000).directory("/srv/www", 0755).file("/srv/www/index.php", "<?php");
        ImageConfig config = new ImageConfig(plan.command().subList(0, 1), plan.command().subList(1, 3), "1000:1000",
                plan.env(), plan.exposedPorts(),
                plan.workingDir(), null, null, null);
        StructureTestSuite suite = DefaultSuite.from(plan).suite();
        StructureTestReport ok = new StructureTestRunner(built.build(), config, null).run(suite);
        assertThat(ok.failed()).isEmpty();
        StructureTestReport withShell = new StructureTestRunner(built.owner(0, 0)
                .file("/bin/busybox", bytes("bb"), 0755).symlink("/bin/sh", "busybox").build(), config, null).run(suite);
        assertThat(withShell.failed()).extracting(StructureTestResult::name).containsExactly("no /bin/sh", "no /bin/busybox");
    }

    @Test
    void theMuslFixturesPlanGivesASuiteItsDistrolessRootPassesAndItsSourceFails() throws Exception {
        FixtureImages.Built built = FixtureImages.build("musl-plugin");
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(
                LayeredFileSystem.build(image.layers(), image.blobs()), image.config(),
                new AnalysisReport.Subject("fixtures/musl-plugin", image.manifestDigest().toString(), "linux/amd64"));
        StructureTestSuite suite = DefaultSuite.from(report.plan().programs().get(0)).suite();
        // Both as the builder configures the result: its User is the plan's run-as identity (65532:65532).
        ImageConfig c = image.config();
        ImageConfig config = new ImageConfig(c.entrypoint(), c.cmd(), report.plan().programs().get(0).runAs().spec(),
                c.env(), c.exposedPorts(), c.workingDir(), c.stopSignal(), c.labels(), c.volumes());

        StructureTestReport source = new StructureTestRunner(new DirectoryFileSystem(built.rootfs()), config, null)
                .run(suite);
        assertThat(source.failed()).extracting(StructureTestResult::name).containsExactly("no /bin/sh", "no /bin/busybox");

        Path root = dir.resolve("rootfs");
        try (Stream<Path> walk = Files.walk(built.rootfs())) {
            for (Path p : walk.toList()) {
                String rel = built.rootfs().relativize(p).toString();
                if (rel.equals("bin") || rel.startsWith("bin/")) {
                    continue;
                }
                Path target = root.resolve(rel);
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        StructureTestReport distroless = new StructureTestRunner(new DirectoryFileSystem(root), config, null).run(suite);
        assertThat(distroless.failed()).as("%s", distroless.failed()).isEmpty();
        assertThat(distroless.count(StructureTestResult.Status.PASSED)).isEqualTo(suite.size());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
