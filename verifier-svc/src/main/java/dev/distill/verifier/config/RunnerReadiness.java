package dev.distill.verifier.config;

import dev.distill.engine.verification.MigrationVerifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while the containers cannot be run: with {@code distill.verify.runner=socket}, while the sandbox runner
 * does not answer on its socket (not started, or this user not in its socket's group). In process it is always up.
 */
@Readiness
@ApplicationScoped
public class RunnerReadiness implements HealthCheck {

    @Inject
    MigrationVerifier verifier;

    @Override
    public HealthCheckResponse call() {
        try {
            verifier.runs().check();
            return HealthCheckResponse.named("sandbox-runner").up().withData("runs", verifier.runs().toString()).build();
        } catch (IOException e) {
            return HealthCheckResponse.named("sandbox-runner").down().withData("runs", verifier.runs().toString())
                    .withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
