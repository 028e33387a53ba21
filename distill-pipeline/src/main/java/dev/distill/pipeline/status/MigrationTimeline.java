package dev.distill.pipeline.status;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happened to each migration, as {@link MigrationUpdate}s in replay order, and who is listening for more.
 *
 * <p>Kept small on purpose: of a stage's progress reports only the latest of each step and round stays (someone
 * who connects late wants where the stage is, not every second of how it got there), so a migration keeps a few
 * dozen updates at most. A redelivered event gives the same id and replaces its update.
 */
public final class MigrationTimeline {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationTimeline.class);

    private final Map<String, List<MigrationUpdate>> byMigration = new ConcurrentHashMap<>();
    private final List<Consumer<MigrationUpdate>> listeners = new CopyOnWriteArrayList<>();

    /** Records an update and tells every listener, in the caller's thread. */
    public void record(MigrationUpdate update) {
        byMigration.compute(update.migrationId(), (id, list) -> {
            List<MigrationUpdate> next = list == null ? new ArrayList<>() : new ArrayList<>(list);
            next.removeIf(u -> u.id().equals(update.id()) || supersedes(update, u));
            next.add(update);
            next.sort(MigrationUpdate.ORDER);
            return List.copyOf(next);
        });
        for (Consumer<MigrationUpdate> listener : listeners) {
            try {
                listener.accept(update);
            } catch (RuntimeException e) {
                // A listener is a client's stream: its trouble must not stop the status view.
                LOG.warn("a migration update listener failed: {}", e.toString());
            }
        }
    }

    /** A newer progress report of the same stage, round and step replaces the older one. */
    private static boolean supersedes(MigrationUpdate newer, MigrationUpdate older) {
        return newer.isProgress() && older.isProgress() && Objects.equals(newer.stage(), older.stage())
                && Objects.equals(newer.round(), older.round()) && Objects.equals(newer.step(), older.step())
                && MigrationUpdate.ORDER.compare(older, newer) < 0;
    }

    /** A migration's updates in replay order; empty for an unknown migration. */
    public List<MigrationUpdate> history(String migrationId) {
        return byMigration.getOrDefault(migrationId, List.of());
    }

    /**
     * A migration's updates after the one with {@code lastId} (a {@code Last-Event-ID}); all of them when
     * {@code lastId} is null or not an update id.
     */
    public List<MigrationUpdate> since(String migrationId, String lastId) {
        return after(history(migrationId), lastId);
    }

    /** The updates of every migration matching {@code filter} after {@code lastId}, oldest first, at most {@code max}. */
    public List<MigrationUpdate> allSince(String lastId, Predicate<MigrationUpdate> filter, int max) {
        List<MigrationUpdate> all = new ArrayList<>();
        for (List<MigrationUpdate> updates : byMigration.values()) {
            for (MigrationUpdate u : after(updates, lastId)) {
                if (filter.test(u)) {
                    all.add(u);
                }
            }
        }
        all.sort(MigrationUpdate.ORDER);
        return all.size() <= max ? all : List.copyOf(all.subList(all.size() - max, all.size()));
    }

    private static List<MigrationUpdate> after(List<MigrationUpdate> updates, String lastId) {
        long lastMillis = MigrationUpdate.millisOf(lastId);
        if (lastMillis < 0) {
            return updates;
        }
        return updates.stream().filter(u -> u.after(lastMillis, lastId)).toList();
    }

    /** Calls {@code listener} with every update recorded from now on, until the returned handle is closed. */
    public Subscription subscribe(Consumer<MigrationUpdate> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public int listeners() {
        return listeners.size();
    }

    /** Stops a listener. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
