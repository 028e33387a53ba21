package dev.distill.pipeline.status;

import dev.distill.events.Stage;
import java.time.Instant;

/**
 * An instance's claim on one input of a migration, from a {@link dev.distill.events.StageStarted} that names its
 * work: while the claimant is alive, nobody else starts that work.
 *
 * @param work the input worked on (its event type, and the round where there are rounds)
 * @param deadline when the claimant's time budget for it ends; null if it did not say
 */
public record Claim(Stage stage, String work, String instance, Instant at, Instant deadline) {
}
