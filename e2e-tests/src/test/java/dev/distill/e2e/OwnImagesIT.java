package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.structure.StructureTestResult;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.structure.StructureTestYaml;
import dev.distill.engine.verification.ImageChecks;
import dev.distill.engine.verify.StaticCheck;
import dev.distill.engine.verify.StaticChecker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distill verifies its own images: deploy/local/images.sh builds the three services' images with Jib on Distill's Java
 * bases and pushes them to the stack's registry; each must then pass the static checks Distill runs on every result
 * and its structure-test suite (deploy/images/*.structure-test.yaml), command tests run in containers of the image
 * under runc. The verifier's image runs as root by necessity (runc needs it): its one expected finding is that.
 *
 * <p>Slow (the Java bases from Debian packages, three Jib builds, eight containers): only with {@code -Pimages}.
 */
@ExtendWith(SharedStack.class)
class OwnImagesIT {

    @Test
    void distillsOwnImagesPassItsStaticChecksAndStructureTests(@TempDir Path work) throws Exception {
        // Command tests run in a sandbox whose root (a user namespace's host id) must pass through to its bundles.
        java.nio.file.Files.setAttribute(work, "unix:mode", 0711);
        Commands.run(Duration.ofMinutes(25), Map.of("DISTILL_STATE_DIR", LocalStack.stateDir().toString()),
                List.of("bash", "deploy/local/images.sh")).assertSucceeded();
        List<String> images = Files.readAllLines(LocalStack.stateDir().resolve("images.txt"));
        assertThat(images).hasSize(3);

        RegistryClient client = RegistryClient.builder().build();
        String serviceSuite = Files.readString(LocalStack.root().resolve("deploy/images/service.structure-test.yaml"));
        String toolsSuite = Files.readString(LocalStack.root().resolve("deploy/images/verifier-tools.structure-test.yaml"));
        for (String line : images) {
            String[] parts = line.split(" ");
            String service = parts[0];
            ImageReference reference = ImageReference.parse(parts[1] + "@" + parts[2]);
            boolean verifier = service.equals("verifier-svc");
            ResolvedImage image = client.resolve(reference, Platform.LINUX_AMD64);
            LayeredFileSystem fs = LayeredFileSystem.build(image, client, LayerLimits.defaults());
            String port = switch (service) {
                case "analyzer-svc" -> "8080";
                case "builder-svc" -> "8081";
                default -> "8082";
            };
            List<StructureTestSuite> suites = new ArrayList<>(List.of(StructureTestYaml.parse(serviceSuite
                    .replace("@PORT@", port).replace("@USER@", verifier ? "0" : "65532"))));
            if (verifier) {
                suites.add(StructureTestYaml.parse(toolsSuite));
            }
            for (StructureTestSuite suite : suites) {
                ImageChecks.Result result = ImageChecks.check(fs, image.imageConfig(), suite, work, Duration.ofMinutes(2));
                for (StaticCheck check : result.statics().checks()) {
                    if (verifier && check.name().equals(StaticChecker.NON_ROOT_USER)) {
                        // runc needs root: the one thing this image may not pass, for the reason it says.
                        assertThat(check.findings()).singleElement()
                                .satisfies(f -> assertThat(f.reason()).contains("uid 0 (root)"));
                    } else {
                        assertThat(check.passed()).as(service + " " + check.name() + ": " + check.findings()).isTrue();
                    }
                }
                assertThat(result.structure().results()).as(service).isNotEmpty()
                        .allSatisfy(r -> assertThat(r.status()).as(service + " " + r.name() + ": " + r.message())
                                .isEqualTo(StructureTestResult.Status.PASSED));
            }
        }
    }
}
