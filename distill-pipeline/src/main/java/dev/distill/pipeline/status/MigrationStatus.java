package dev.distill.pipeline.status;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** Read access to migration views, with a way to wait until the view includes everything written so far. */
public interface MigrationStatus {

    Optional<MigrationView> find(String id);

    List<MigrationView> list(Predicate<MigrationView> filter, int limit);

    /** @return false if the view could not catch up within the timeout */
    boolean awaitCaughtUp(Duration timeout);
}
