package dev.distill.service;

import dev.distill.pipeline.stage.StageRunner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down when some work runs on past its time budget and the grace after it: the budget aborts every wait the engine
 * knows of, so that is a bug or an unbounded wait, and a restart (which hands the input to a healthy instance) is the
 * cure. Replaces SmallRye's check on unacknowledged records, which is switched off because a stage's input legitimately
 * stays unacknowledged for as long as its budget.
 */
@Liveness
@ApplicationScoped
public class StageRunsHealth implements HealthCheck {

    @Inject
    PipelineInfrastructure infrastructure;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("stage-runs").up();
        for (StageRunner runner : infrastructure.runners()) {
            List<StageRunner.Running> stuck = runner.stuck();
            String prefix = runner.stage().label() + "-" + Integer.toHexString(System.identityHashCode(runner));
            b.withData(runner.stage().label() + ".inFlight", runner.running().size());
            if (!stuck.isEmpty()) {
                b.down().withData(prefix + ".stuck", stuck.toString());
            }
        }
        return b.build();
    }
}
