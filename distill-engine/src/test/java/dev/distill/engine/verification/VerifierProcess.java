package dev.distill.engine.verification;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.image.Platform;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.Confinement;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A verifier in a JVM of its own, for a test to kill with {@code kill -9} mid-run: verifies the build report in the
 * file named by its second argument, with its first argument as the work root, slowly (long probes and time limit).
 */
final class VerifierProcess {

    private VerifierProcess() {
    }

    public static void main(String[] args) throws Exception {
        BuildReport build = new ObjectMapper().findAndRegisterModules().readValue(Path.of(args[1]).toFile(), BuildReport.class);
        MigrationVerifier verifier = new MigrationVerifier(RegistryClient.builder().readTimeout(Duration.ofSeconds(10)).build(),
                MigrationVerifier.Options.defaults(Path.of(args[0])).withTimeLimit(Duration.ofSeconds(110))
                        .withProbes(Duration.ofSeconds(2), Duration.ofSeconds(100))
                        .withConfinement(Confinement.defaults().withUserNamespaces(MigrationVerifierIT.POOL)));
        Verification v = verifier.verify(new MigrationVerifier.Request(build, new MigrationPlan(List.of(), List.of(), List.of()),
                Platform.LINUX_AMD64, Map.of(), 0));
        System.out.println("finished, which the test did not want: " + v.verdict());
    }
}
