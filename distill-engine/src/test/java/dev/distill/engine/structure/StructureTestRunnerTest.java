package dev.distill.engine.structure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each kind of test, passing and failing, against an image in memory. */
class StructureTestRunnerTest {

    static final MemoryFileSystem FS = MemoryFileSystem.builder()
            .owner(1000, 1000)
            .file("/app/server", "ELF?".getBytes(StandardCharsets.UTF_8), 0750)
            .file("/app/helper", "x".getBytes(StandardCharsets.UTF_8), 04755)
            .owner(0, 0)
            .directory("/tmp", 01777)
            .file("/etc/app.conf", "# app\nport=8080\nmode=prod\n")
            .symlink("/app/current", "server")
            .symlink("/bin", "usr/bin")
            .file("/usr/bin/tool", "t".getBytes(StandardCharsets.UTF_8), 0755)
            .hardlink("/usr/bin/tool2", "/usr/bin/tool")
            .build();

    static final ImageConfig CONFIG = new ImageConfig(List.of("/app/server"), List.of("--serve"), "app",
            List.of("PATH=/usr/bin", "MODE=production", "HOME=/app"), List.of("8080/tcp", "53/udp"), "/app", null,
            Map.of("org.opencontainers.image.version", "1.2.3"), List.of("/data"));

    static StructureTestReport run(String yaml) {
        return new StructureTestRunner(FS, CONFIG, null).run(StructureTestYaml.parse("schemaVersion: 2.0.0\n" + yaml));
    }

    static StructureTestResult single(String yaml) {
        List<StructureTestResult> results = run(yaml).results();
        assertThat(results).hasSize(1);
        return results.get(0);
    }

    static String existence(String path, String... lines) {
        return "fileExistenceTests:\n  - name: t\n    path: " + path + "\n" + String.join("", List.of(lines).stream()
                .map(l -> "    " + l + "\n").toList());
    }

    @Test
    void fileExistencePassesOnTypeModeOwnerAndExecuteBits() {
        assertThat(single(existence("/app/server", "permissions: -rwxr-x---", "uid: 1000", "gid: 1000",
                "isExecutableBy: group")).passed()).isTrue();
        assertThat(single(existence("/tmp", "permissions: drwxrwxrwt")).passed()).isTrue();
        assertThat(single(existence("/tmp", "permissions: dtrwxrwxrwx")).passed()).as("Go's spelling").isTrue();
        assertThat(single(existence("/app/helper", "permissions: -rwsr-xr-x")).passed()).isTrue();
        assertThat(single(existence("/bin/nothere", "shouldExist: false")).passed()).isTrue();
    }

    @Test
    void fileExistenceFailsSayingWhatWasExpectedAndFound() {
        StructureTestResult perms = single(existence("/app/server", "permissions: -rwxr-xr-x"));
        assertThat(perms.status()).isEqualTo(StructureTestResult.Status.FAILED);
        assertThat(perms.message()).isEqualTo("permissions of /app/server: expected -rwxr-xr-x, found -rwxr-x---");
        assertThat(single(existence("/app/helper", "permissions: -rwxr-xr-x")).message())
                .contains("expected -rwxr-xr-x, found -rwsr-xr-x");
        assertThat(single(existence("/tmp", "permissions: drwxrwxrwx")).message()).contains("found drwxrwxrwt");
        assertThat(single(existence("/app/server", "uid: 0", "gid: 0")).message())
                .contains("expected uid 0, found 1000").contains("expected gid 0, found 1000");
        assertThat(single(existence("/app/server", "isExecutableBy: other")).message())
                .contains("expected to be executable by other, found -rwxr-x---");
        assertThat(single(existence("/app/missing")).message()).isEqualTo("expected /app/missing to exist; it does not");
        assertThat(single(existence("/etc/app.conf", "shouldExist: false")).message())
                .contains("expected /etc/app.conf not to exist; found -rw-r--r-- 0:0");
    }

    @Test
    void aFinalSymlinkIsTheLinkItselfAndParentLinksAreFollowed() {
        assertThat(single(existence("/app/current", "permissions: lrwxrwxrwx")).passed()).isTrue();
        // The link's own "permissions" are no execute permission for anyone: it is the link that is tested.
        assertThat(single(existence("/app/current", "permissions: -rwxr-x---")).message()).contains("found lrwxrwxrwx");
        assertThat(single(existence("/bin/tool", "permissions: -rwxr-xr-x")).passed()).as("through /bin -> usr/bin").isTrue();
        assertThat(single(existence("/usr/bin/tool2", "permissions: -rwxr-xr-x")).passed()).as("a hard link is its file").isTrue();
        assertThat(single(existence("$HOME/server", "uid: 1000")).passed()).as("$VAR from the image env").isTrue();
    }

    static String content(String... lines) {
        return "fileContentTests:\n  - name: c\n    path: /etc/app.conf\n" + String.join("", List.of(lines).stream()
                .map(l -> "    " + l + "\n").toList());
    }

    @Test
    void fileContentSearchesRegexesAcrossTheWholeText() {
        assertThat(single(content("expectedContents: ['port=8080', '(?m)^mode=prod$', '(?s)app.*mode']",
                "excludedContents: ['debug']")).passed()).isTrue();
        StructureTestResult missing = single(content("expectedContents: ['port=9090']"));
        assertThat(missing.status()).isEqualTo(StructureTestResult.Status.FAILED);
        assertThat(missing.message()).startsWith("/etc/app.conf: expected match of /port=9090/, found '# app\\nport=8080");
        // Without (?m), ^ and $ are the ends of the whole text, as in the reference runner.
        assertThat(single(content("expectedContents: ['^mode=prod$']")).passed()).isFalse();
        assertThat(single(content("excludedContents: ['mode=\\w+']")).message())
                .contains("expected no match of /mode=\\w+/");
        assertThat(single("fileContentTests:\n  - name: c\n    path: /tmp\n    expectedContents: [x]\n").message())
                .isEqualTo("expected /tmp to be a file; found drwxrwxrwt");
        assertThat(single("fileContentTests:\n  - name: c\n    path: /nope\n").message()).contains("does not exist");
    }

    @Test
    void metadataPassesWhenEverythingMatches() {
        StructureTestResult r = single("""
                metadataTest:
                  envVars:
                    - {key: PATH, value: /usr/bin}
                    - {key: MODE, value: '^prod', isRegex: true}
                  unboundEnvVars: [{key: DEBUG}]
                  labels: [{key: org.opencontainers.image.version, value: '^\\d+\\.\\d+\\.\\d+$', isRegex: true}]
                  exposedPorts: ["8080", "53/udp"]
                  unexposedPorts: ["22", "8080/udp"]
                  entrypoint: [/app/server]
                  cmd: [--serve]
                  workdir: /app
                  volumes: [/data]
                  unmountedVolumes: [/tmp]
                  user: app
                """);
        assertThat(r.passed()).as(r.message()).isTrue();
        assertThat(r.kind()).isEqualTo(StructureTestResult.Kind.METADATA);
    }

    @Test
    void metadataFailsListingEveryMismatch() {
        StructureTestResult r = single("""
                metadataTest:
                  envVars:
                    - {key: MODE, value: prod}
                    - {key: LANG, value: C}
                  unboundEnvVars: [{key: HOME}]
                  labels: [{key: org.opencontainers.image.version, value: '^2\\.', isRegex: true}]
                  exposedPorts: ["8080/udp", "9090"]
                  unexposedPorts: ["8080"]
                  entrypoint: [/app/other]
                  cmd: []
                  workdir: /srv
                  volumes: [/cache]
                  unmountedVolumes: [/data]
                  user: root
                """);
        assertThat(r.status()).isEqualTo(StructureTestResult.Status.FAILED);
        assertThat(r.message().split("; ")).containsExactly(
                "env MODE: expected 'prod', found 'production'",
                "env LANG: expected 'C', found it unset",
                "env HOME: expected unset, found '/app'",
                "label org.opencontainers.image.version: expected a match of /^2\\./, found '1.2.3'",
                "exposed port 8080/udp: expected, found [8080/tcp, 53/udp]",
                "exposed port 9090: expected, found [8080/tcp, 53/udp]",
                "port 8080: expected not exposed, found [8080/tcp, 53/udp]",
                "entrypoint: expected [/app/other], found [/app/server]",
                "cmd: expected [], found [--serve]",
                "workdir: expected '/srv', found '/app'",
                "volume /cache: expected, found [/data]",
                "volume /data: expected not declared, found [/data]",
                "user: expected 'root', found 'app'");
    }

    static final String COMMAND = """
            globalEnvVars: [{key: BASE, value: /opt}]
            commandTests:
              - name: version
                command: /app/server
                args: [--version]
                envVars: [{key: PATH, value: "$BASE/bin:$PATH"}]
                expectedOutput: ['server \\d+']
                excludedError: [panic]
            """;

    @Test
    void commandTestsAreNotRunWithoutARunner() {
        StructureTestResult r = single(COMMAND);
        assertThat(r.status()).isEqualTo(StructureTestResult.Status.SKIPPED);
        assertThat(r.message()).contains("no command runner");
    }

    @Test
    void commandTestsGoToTheRunnerWithTheirEnvironmentExpanded() {
        List<CommandInvocation> seen = new ArrayList<>();
        StructureTestSuite suite = StructureTestYaml.parse("schemaVersion: 2.0.0\n" + COMMAND);
        StructureTestReport ok = new StructureTestRunner(FS, CONFIG, i -> {
            seen.add(i);
            return new CommandOutcome(0, "server 4.2\n", "");
        }).run(suite);
        assertThat(ok.results().get(0).passed()).isTrue();
        assertThat(seen.get(0).command()).containsExactly("/app/server", "--version");
        assertThat(seen.get(0).env()).containsExactly(Map.entry("BASE", "/opt"), Map.entry("PATH", "/opt/bin:/usr/bin"));

        StructureTestResult bad = new StructureTestRunner(FS, CONFIG, i -> new CommandOutcome(2, "usage", "panic: no"))
                .run(suite).results().get(0);
        assertThat(bad.status()).isEqualTo(StructureTestResult.Status.FAILED);
        assertThat(bad.message()).contains("stdout: expected match of /server \\d+/, found 'usage'")
                .contains("stderr: expected no match of /panic/, found 'panic: no'")
                .contains("exit code: expected 0, found 2");

        StructureTestResult broken = new StructureTestRunner(FS, CONFIG, i -> {
            throw new IOException("runc: no such bundle");
        }).run(suite).results().get(0);
        assertThat(broken.status()).isEqualTo(StructureTestResult.Status.FAILED);
        assertThat(broken.message()).contains("could not be run: runc: no such bundle");
    }

    @Test
    void resultsComeInSuiteOrderAndCountByStatus() {
        StructureTestReport report = run(COMMAND + existence("/app/server") + content("expectedContents: [nope]")
                + "metadataTest:\n  user: app\n");
        assertThat(report.results()).extracting(StructureTestResult::kind).containsExactly(
                StructureTestResult.Kind.COMMAND, StructureTestResult.Kind.FILE_EXISTENCE,
                StructureTestResult.Kind.FILE_CONTENT, StructureTestResult.Kind.METADATA);
        assertThat(report.count(StructureTestResult.Status.PASSED)).isEqualTo(2);
        assertThat(report.count(StructureTestResult.Status.SKIPPED)).isEqualTo(1);
        assertThat(report.failed()).extracting(StructureTestResult::name).containsExactly("c");
        assertThat(report.noFailures()).isFalse();
    }
}
