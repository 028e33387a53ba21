package dev.distill.engine.structure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading the container-structure-test YAML strictly, and writing it back. */
class StructureTestYamlTest {

    static final String FULL = """
            schemaVersion: "2.0.0"
            globalEnvVars:
              - key: GREETING
                value: hello
            commandTests:
              - name: greets
                setup: [["touch", "/tmp/x"]]
                command: /app/server
                args: ["--version"]
                envVars:
                  - key: PATH
                    value: /app:$PATH
                expectedOutput: ["server \\\\d+\\\\.\\\\d+"]
                excludedError: ["panic"]
                exitCode: 3
            fileExistenceTests:
              - name: server
                path: /app/server
                shouldExist: true
                permissions: "-rwxr-x---"
                uid: 1000
                gid: 0
                isExecutableBy: owner
              - name: no shell
                path: /bin/sh
                shouldExist: false
            fileContentTests:
              - name: config
                path: /etc/app.conf
                expectedContents: ["(?m)^port=8080$"]
                excludedContents: ["debug=true"]
            metadataTest:
              envVars:
                - key: MODE
                  value: "prod|staging"
                  isRegex: true
              unboundEnvVars:
                - key: DEBUG
              labels:
                - key: org.opencontainers.image.version
                  value: "1.2"
              exposedPorts: ["8080"]
              unexposedPorts: ["22"]
              entrypoint: ["/app/server"]
              cmd: []
              workdir: /app
              volumes: ["/data"]
              unmountedVolumes: ["/tmp"]
              user: app
            """;

    @Test
    void everySectionIsReadIntoRecords() {
        StructureTestSuite suite = StructureTestYaml.parse(FULL);
        assertThat(suite.globalEnvVars()).containsExactly(KeyValue.of("GREETING", "hello"));
        CommandTest c = suite.commandTests().get(0);
        assertThat(c.argv()).containsExactly("/app/server", "--version");
        assertThat(c.setup()).containsExactly(List.of("touch", "/tmp/x"));
        assertThat(c.expectedOutput()).containsExactly("server \\d+\\.\\d+");
        assertThat(c.exitCode()).isEqualTo(3);
        assertThat(suite.fileExistenceTests()).containsExactly(
                new FileExistenceTest("server", "/app/server", true, "-rwxr-x---", 1000, 0, "owner"),
                FileExistenceTest.absent("no shell", "/bin/sh"));
        assertThat(suite.fileContentTests().get(0).expectedContents()).containsExactly("(?m)^port=8080$");
        MetadataTest m = suite.metadataTest();
        assertThat(m.envVars()).containsExactly(new KeyValue("MODE", "prod|staging", true));
        assertThat(m.unboundEnvVars()).extracting(KeyValue::key).containsExactly("DEBUG");
        assertThat(m.labels()).containsExactly(KeyValue.of("org.opencontainers.image.version", "1.2"));
        assertThat(m.entrypoint()).containsExactly("/app/server");
        assertThat(m.cmd()).isEmpty();
        assertThat(m.workdir()).isEqualTo("/app");
        assertThat(m.user()).isEqualTo("app");
        assertThat(suite.size()).isEqualTo(5);
    }

    @Test
    void whatIsWrittenReadsBackTheSame() {
        StructureTestSuite suite = StructureTestYaml.parse(FULL);
        String yaml = StructureTestYaml.write(suite);
        assertThat(StructureTestYaml.parse(yaml)).isEqualTo(suite);
        assertThat(yaml).startsWith("schemaVersion: 2.0.0\n");
    }

    @Test
    void valuesThatLookLikeOtherTypesSurviveTheRoundTrip() {
        StructureTestSuite suite = new StructureTestSuite(StructureTestSuite.SCHEMA_VERSION,
                List.of(KeyValue.of("A", "true"), KeyValue.of("B", "8080"), KeyValue.of("C", "null"),
                        KeyValue.of("D", "a: b # c"), KeyValue.of("E", "multi\nline")),
                null, null, null, null);
        assertThat(StructureTestYaml.parse(StructureTestYaml.write(suite))).isEqualTo(suite);
    }

    @Test
    void shouldExistDefaultsToTrueAndTheMetadataTestIsOptional() {
        StructureTestSuite suite = StructureTestYaml.parse("""
                schemaVersion: 2.0.0
                fileExistenceTests:
                  - name: x
                    path: /x
                """);
        assertThat(suite.fileExistenceTests().get(0).shouldExist()).isTrue();
        assertThat(suite.metadataTest().isEmpty()).isTrue();
    }

    @Test
    void aWrongOrMissingSchemaVersionIsRefused() {
        assertThatThrownBy(() -> StructureTestYaml.parse("schemaVersion: \"1.0.0\"\n"))
                .isInstanceOf(InvalidSuiteException.class)
                .hasMessageContaining("schemaVersion").hasMessageContaining("\"1.0.0\"");
        assertThatThrownBy(() -> StructureTestYaml.parse("fileExistenceTests: []\n"))
                .isInstanceOf(InvalidSuiteException.class).hasMessageStartingWith("schemaVersion:");
    }

    @Test
    void unknownFieldsAreNamedWithTheirPlace() {
        assertThatThrownBy(() -> StructureTestYaml.parse("""
                schemaVersion: "2.0.0"
                fileExistenceTests:
                  - name: ok
                    path: /ok
                  - name: typo
                    path: /x
                    shouldExsit: false
                """)).isInstanceOf(InvalidSuiteException.class)
                .satisfies(e -> assertThat(((InvalidSuiteException) e).field()).isEqualTo("fileExistenceTests[1].shouldExsit"))
                .hasMessageContaining("unknown field").hasMessageContaining("shouldExist");
        assertThatThrownBy(() -> StructureTestYaml.parse("schemaVersion: 2.0.0\nmetadataTest:\n  entryPoint: []\n"))
                .hasMessageStartingWith("metadataTest.entryPoint: unknown field");
        assertThatThrownBy(() -> StructureTestYaml.parse("schemaVersion: 2.0.0\nfileTests: []\n"))
                .hasMessageStartingWith("fileTests: unknown field");
        assertThatThrownBy(() -> StructureTestYaml.parse("schemaVersion: 2.0.0\nlicenseTests:\n  - debian: true\n"))
                .hasMessageStartingWith("licenseTests: license tests are not supported");
    }

    @Test
    void badValuesAreNamedWithTheirPlace() {
        assertThatThrownBy(() -> StructureTestYaml.parse(existence("permissions: rwxr-xr-x")))
                .hasMessageStartingWith("fileExistenceTests[0]: permissions must look like").hasMessageContaining("'rwxr-xr-x'");
        assertThatThrownBy(() -> StructureTestYaml.parse(existence("uid: root")))
                .hasMessageStartingWith("fileExistenceTests[0].uid: must be an integer");
        assertThatThrownBy(() -> StructureTestYaml.parse(existence("isExecutableBy: everyone")))
                .hasMessageContaining("'everyone'");
        assertThatThrownBy(() -> StructureTestYaml.parse(existence("shouldExist: maybe")))
                .hasMessageStartingWith("fileExistenceTests[0].shouldExist: must be true or false");
        assertThatThrownBy(() -> StructureTestYaml.parse("""
                schemaVersion: 2.0.0
                fileContentTests:
                  - name: c
                    path: /c
                    expectedContents: ["(unclosed"]
                """)).hasMessageStartingWith("fileContentTests[0]: invalid regular expression '(unclosed'");
        assertThatThrownBy(() -> StructureTestYaml.parse("""
                schemaVersion: 2.0.0
                commandTests:
                  - name: no command
                """)).hasMessageStartingWith("commandTests[0].command: is required");
        assertThatThrownBy(() -> StructureTestYaml.parse("schemaVersion: 2.0.0\ncommandTests: {name: x}\n"))
                .hasMessageStartingWith("commandTests: must be a list");
        assertThatThrownBy(() -> StructureTestYaml.parse("schemaVersion: [2.0.0\n"))
                .hasMessageStartingWith("not valid YAML");
    }

    private static String existence(String line) {
        return "schemaVersion: 2.0.0\nfileExistenceTests:\n  - name: f\n    path: /f\n    " + line + "\n";
    }

    @Test
    void permissionStringsReadInBothSpellings() {
        assertThat(PermissionString.parse("drwxrwxrwt")).isEqualTo(PermissionString.parse("dtrwxrwxrwx"));
        assertThat(PermissionString.parse("drwxrwxrwt").mode()).isEqualTo(01777);
        assertThat(PermissionString.parse("-rwsr-xr-x")).isEqualTo(PermissionString.parse("urwxr-xr-x"));
        assertThat(PermissionString.parse("-rwsr-xr-x").mode()).isEqualTo(04755);
        assertThat(PermissionString.parse("-rwxr-Sr--").mode()).isEqualTo(02744);
        assertThat(PermissionString.parse("Lrwxrwxrwx")).isEqualTo(PermissionString.parse("lrwxrwxrwx"));
        assertThat(PermissionString.format(dev.distill.engine.fs.FileType.DIRECTORY, 01777)).isEqualTo("drwxrwxrwt");
        assertThat(PermissionString.format(dev.distill.engine.fs.FileType.REGULAR, 06644)).isEqualTo("-rwSr-Sr--");
    }
}
