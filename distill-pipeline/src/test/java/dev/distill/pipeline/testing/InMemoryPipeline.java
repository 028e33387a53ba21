package dev.distill.pipeline.testing;

import dev.distill.events.MigrationEvent;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.status.MigrationProjection;
import dev.distill.pipeline.status.MigrationStatus;
import dev.distill.pipeline.status.MigrationView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/** An event log and status view in memory: what Kafka and the projection do, for tests of plain logic. */
public final class InMemoryPipeline implements EventPublisher, MigrationStatus {

    private final List<MigrationEvent> published = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, MigrationView> views = new ConcurrentHashMap<>();

    @Override
    public void publish(MigrationEvent event) {
        published.add(event);
        views.compute(event.migrationId(), (id, v) -> MigrationProjection.apply(v, event));
    }

    public List<MigrationEvent> published() {
        return List.copyOf(published);
    }

    @Override
    public Optional<MigrationView> find(String id) {
        return Optional.ofNullable(views.get(id));
    }

    @Override
    public List<MigrationView> list(Predicate<MigrationView> filter, int limit) {
        return views.values().stream().filter(filter).sorted(Comparator.comparing(MigrationView::id)).limit(limit).toList();
    }

    @Override
    public boolean awaitCaughtUp(Duration timeout) {
        return true;
    }
}
