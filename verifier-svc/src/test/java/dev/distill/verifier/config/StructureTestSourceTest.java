package dev.distill.verifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.Platform;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users' structure tests: configured per repository glob on the verifier's host, or named by a label of the source. */
class StructureTestSourceTest {

    private static final String LABEL = "dev.distill.structure-tests";
    private static final String SUITE = "schemaVersion: \"2.0.0\"\n"
            + "fileExistenceTests:\n  - name: greeting\n    path: /etc/greeting\n    shouldExist: true\n";
    private static LocalRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void aConfiguredSuiteAppliesToTheRepositoriesItsGlobMatches() throws Exception {
        Path file = Files.writeString(dir.resolve("shop.yaml"), SUITE);
        Digest plain = TinyImage.sample(Platform.LINUX_AMD64).push(registry.client(), registry.reference("shop/php:1"));
        StructureTestSource source = new StructureTestSource(Map.of("shop/**", file.toString()), LABEL, registry.client());

        List<StructureTestSuite> suites = source.suitesFor(registry.host() + "/shop/php:1", plain.toString(), Platform.LINUX_AMD64);
        assertThat(suites).singleElement().satisfies(s -> assertThat(s.fileExistenceTests()).hasSize(1));
        TinyImage.sample(Platform.LINUX_AMD64).push(registry.client(), registry.reference("other/app:1"));
        assertThat(source.suitesFor(registry.host() + "/other/app:1", plain.toString(), Platform.LINUX_AMD64)).isEmpty();
    }

    @Test
    void theSourcesLabelNamesASuiteInsideTheSourceImage() throws Exception {
        TinyImage labelled = TinyImage.builder().platform(Platform.LINUX_AMD64).file("/distill/tests.yaml", SUITE)
                .label(LABEL, "/distill/tests.yaml").entrypoint("/bin/true").build();
        Digest digest = labelled.push(registry.client(), registry.reference("labelled/app:1"));
        StructureTestSource source = new StructureTestSource(Map.of(), LABEL, registry.client());

        assertThat(source.suitesFor(registry.host() + "/labelled/app:1", digest.toString(), Platform.LINUX_AMD64))
                .singleElement().satisfies(s -> assertThat(s.fileExistenceTests().get(0).path()).isEqualTo("/etc/greeting"));
    }

    @Test
    void aSuiteThatCannotBeReadIsAnErrorWithItsNameNotAQuietPass() throws Exception {
        TinyImage broken = TinyImage.builder().platform(Platform.LINUX_AMD64)
                .file("/distill/tests.yaml", "schemaVersion: \"1.0.0\"\n").label(LABEL, "/distill/tests.yaml")
                .entrypoint("/bin/true").build();
        Digest digest = broken.push(registry.client(), registry.reference("broken/app:1"));
        StructureTestSource source = new StructureTestSource(Map.of(), LABEL, registry.client());

        assertThatThrownBy(() -> source.suitesFor(registry.host() + "/broken/app:1", digest.toString(), Platform.LINUX_AMD64))
                .hasMessageContaining("/distill/tests.yaml").hasMessageContaining("schemaVersion");
        StructureTestSource missing = new StructureTestSource(Map.of("**", dir.resolve("absent.yaml").toString()), LABEL,
                registry.client());
        assertThatThrownBy(() -> missing.suitesFor(registry.host() + "/broken/app:1", digest.toString(), Platform.LINUX_AMD64))
                .hasMessageContaining("absent.yaml");
    }
}
