package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.structure.CommandTest;
import dev.distill.engine.structure.FileExistenceTest;
import dev.distill.engine.structure.InvalidSuiteException;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.structure.StructureTestYaml;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The structure-test suites of Distill's own images (deploy/images) parse as the verifier parses them, without
 * building any image: {@code OwnImagesIT}, which runs them, is not part of CI (several minutes of Jib builds), so a
 * suite broken by an edit would otherwise go unseen until someone builds the images.
 */
class OwnImageSuitesTest {

    private static String suite(String name) throws Exception {
        return Files.readString(LocalStack.root().resolve("deploy/images").resolve(name));
    }

    @Test
    void theServicesSuiteParsesForEachServicesPortAndUser() throws Exception {
        String yaml = suite("service.structure-test.yaml");
        assertThat(yaml).contains("@PORT@", "@USER@");
        StructureTestSuite analyzer = StructureTestYaml.parse(yaml.replace("@PORT@", "8080").replace("@USER@", "65532"));
        StructureTestSuite verifier = StructureTestYaml.parse(yaml.replace("@PORT@", "8082").replace("@USER@", "0"));
        assertThat(analyzer.commandTests()).isNotEmpty();
        assertThat(analyzer.fileExistenceTests()).extracting(FileExistenceTest::path).contains("/app/quarkus-run.jar", "/bin/sh");
        assertThat(verifier.fileExistenceTests()).hasSameSizeAs(analyzer.fileExistenceTests());
    }

    @Test
    void theVerifierToolsSuiteParsesAndNamesEachTool() throws Exception {
        StructureTestSuite tools = StructureTestYaml.parse(suite("verifier-tools.structure-test.yaml"));
        assertThat(tools.commandTests()).extracting(CommandTest::command).contains("runc", "strace", "nsenter", "curl", "mkfifo");
    }

    @Test
    void aRegularExpressionInDoubleQuotesWithAnEscapeYamlDoesNotKnowIsRefused() {
        // The mistake these suites once had: "\." is no YAML escape; single quotes keep the backslash for the regex.
        assertThatThrownBy(() -> StructureTestYaml.parse("schemaVersion: \"2.0.0\"\ncommandTests:\n  - name: x\n"
                + "    command: \"runc\"\n    args: [\"--version\"]\n    expectedOutput: [\"runc 1\\.\"]\n"))
                .isInstanceOf(InvalidSuiteException.class).hasMessageContaining("escape");
    }
}
