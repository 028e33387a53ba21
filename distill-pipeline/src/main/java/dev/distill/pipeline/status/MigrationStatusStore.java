package dev.distill.pipeline.status;

import dev.distill.events.EventCodec;
import dev.distill.events.MigrationEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link MigrationView} of every migration by reading all event topics from the beginning.
 *
 * <p>Each instance reads every partition itself (no consumer group, nothing committed), so restarting
 * rebuilds the same view and every instance converges on the same answer. {@link #awaitCaughtUp} gives
 * read-your-writes: it returns once everything written before the call has been applied.
 *
 * <p>A barrier asks the topics' end offsets through an {@link Admin} client, not the projecting consumer: a broker
 * answers one connection's requests in order, so the consumer's own {@code endOffsets} would queue behind the fetch
 * it has parked at the broker (up to {@code fetch.max.wait.ms}, 500 ms) and every barrier would cost that much even
 * with nothing to read. Asking for a barrier also wakes the projecting consumer from its idle poll.
 */
public final class MigrationStatusStore implements MigrationStatus, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationStatusStore.class);
    private static final String CE_TYPE_HEADER = "ce_type";
    private static final Duration IDLE_POLL = Duration.ofMillis(100);
    private static final Duration BARRIER_POLL = Duration.ofMillis(10);
    private static final Duration FETCH_MAX_WAIT = Duration.ofMillis(20);

    private final Properties consumerProperties;
    private final Properties adminProperties;
    private final List<String> topics;
    private final Map<String, MigrationView> views = new ConcurrentHashMap<>();
    private final MigrationTimeline timeline = new MigrationTimeline();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> barrierRequests = new ConcurrentLinkedQueue<>();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private final CompletableFuture<Void> initialCatchUp = new CompletableFuture<>();
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    /** True while the consumer is in its read loop, where a wake-up only cuts a poll short (see awaitCaughtUp). */
    private volatile boolean reading;
    private Admin admin;
    private Thread thread;

    /**
     * @param bootstrapServers the Kafka brokers
     * @param topics the event topics to project; they must exist (see {@code EventTopics})
     */
    public MigrationStatusStore(String bootstrapServers, List<String> topics) {
        this.topics = List.copyOf(topics);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "distill-status-" + Long.toHexString(System.nanoTime()));
        // A barrier waits for the fetch that brings its records. At the end of the log the broker parks a fetch for
        // up to fetch.max.wait.ms (500 ms by default) and, measured, answers it only then even when new records
        // arrive meanwhile: every barrier cost half a second, two per admission and two per stage input. A short
        // park costs an idle instance a few small fetches a second instead.
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(FETCH_MAX_WAIT.toMillis()));
        this.consumerProperties = p;
        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, p.get(ConsumerConfig.CLIENT_ID_CONFIG) + "-barrier");
        this.adminProperties = a;
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        admin = Admin.create(adminProperties);
        barrierRequests.add(initialCatchUp);
        thread = new Thread(this::run, "distill-status-projection");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public Optional<MigrationView> find(String id) {
        return Optional.ofNullable(views.get(id));
    }

    /** Migrations matching the filter, newest request first. */
    @Override
    public List<MigrationView> list(Predicate<MigrationView> filter, int limit) {
        return views.values().stream()
                .filter(filter)
                .sorted(Comparator.comparing(MigrationStatusStore::sortTime).reversed().thenComparing(MigrationView::id))
                .limit(Math.max(0, limit))
                .toList();
    }

    /** What happened to each migration, for people watching live; its listeners hear each update as it is applied. */
    public MigrationTimeline timeline() {
        return timeline;
    }

    /** How many migrations match, without sorting them (for metrics scraped often). */
    public long count(Predicate<MigrationView> filter) {
        return views.values().stream().filter(filter).count();
    }

    /**
     * Waits until every event that was in the topics when this was called has been applied.
     *
     * @return false if that did not happen within the timeout (Kafka unreachable, or far behind)
     */
    @Override
    public boolean awaitCaughtUp(Duration timeout) {
        CompletableFuture<Void> barrier = new CompletableFuture<>();
        barrierRequests.add(barrier);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (reading && c != null) {
            c.wakeup();  // the reader may be idling in a poll: have it take the barrier now
        }
        try {
            barrier.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    /** True once the history that existed at start has been read. */
    public boolean isReady() {
        return initialCatchUp.isDone() && !initialCatchUp.isCompletedExceptionally();
    }

    public long eventsApplied() {
        return applied.get();
    }

    public long unreadableEvents() {
        return unreadable.get();
    }

    public int size() {
        return views.size();
    }

    private void run() {
        // Insertion order: older barriers are completed first, so whoever a newer barrier wakes also sees the
        // older ones (the initial catch-up above all) done.
        Map<CompletableFuture<Void>, Map<TopicPartition, Long>> pending = new LinkedHashMap<>();
        while (running) {
            reading = false;
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties)) {
                consumer = c;
                List<TopicPartition> partitions = assignAll(c);
                // Replaying from the start is safe without clearing: the fold ignores facts it already has.
                c.seekToBeginning(partitions);
                pending.clear();
                reading = true;
                while (running) {
                    try {
                        readOnce(c, partitions, pending);
                    } catch (WakeupException e) {
                        // A barrier was asked for (awaitCaughtUp) or close() asked us to stop: nothing is lost, the
                        // records a cut-short poll had fetched stay buffered for the next one.
                        if (!running) {
                            throw e;
                        }
                    }
                }
            } catch (WakeupException e) {
                // close() asked us to stop (or, rarely, a barrier's wake-up reached a consumer being rebuilt).
                barrierRequests.addAll(pending.keySet());
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("status projection lost its consumer, rebuilding from the beginning: {}", e.toString());
                    barrierRequests.addAll(pending.keySet());
                    sleepQuietly(1000);
                }
            }
        }
    }

    private void readOnce(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> partitions,
            Map<CompletableFuture<Void>, Map<TopicPartition, Long>> pending) {
        // Someone waits for a barrier: look again soon rather than idle for the full poll (intake and every stage
        // input wait on barriers, twice each). A poll returns as soon as records arrive in either case.
        Duration wait = pending.isEmpty() && barrierRequests.isEmpty() ? IDLE_POLL : BARRIER_POLL;
        for (ConsumerRecord<byte[], byte[]> r : c.poll(wait)) {
            applyRecord(r);
        }
        // One look at the end offsets serves every barrier asked for since the last one: under load (many webhook
        // requests and stage inputs at once) that is one broker round trip, not hundreds.
        List<CompletableFuture<Void>> asked = new ArrayList<>();
        for (CompletableFuture<Void> b; (b = barrierRequests.poll()) != null; ) {
            asked.add(b);
        }
        if (!asked.isEmpty()) {
            Map<TopicPartition, Long> ends;
            try {
                ends = endOffsets(partitions);
            } catch (RuntimeException e) {
                barrierRequests.addAll(asked);  // asked again on the next round; their callers' timeouts bound it
                throw e;
            }
            asked.forEach(b -> pending.put(b, ends));
        }
        pending.entrySet().removeIf(e -> {
            boolean reached = e.getValue().entrySet().stream()
                    .allMatch(t -> c.position(t.getKey()) >= t.getValue());
            if (reached) {
                e.getKey().complete(null);
            }
            return reached;
        });
    }

    /** The topics' end offsets (high watermarks: what a read_uncommitted consumer reads up to), on the admin's connection. */
    private Map<TopicPartition, Long> endOffsets(List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        try {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> infos =
                    admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> ends = new LinkedHashMap<>();
            infos.forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the end offsets", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not ask the event topics' end offsets: " + e, e);
        }
    }

    private List<TopicPartition> assignAll(KafkaConsumer<byte[], byte[]> c) {
        while (running) {
            List<TopicPartition> partitions = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
                if (infos == null || infos.isEmpty()) {
                    missing.add(topic);
                } else {
                    infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
                }
            }
            if (missing.isEmpty()) {
                c.assign(partitions);
                return partitions;
            }
            LOG.info("waiting for topics {} to exist", missing);
            sleepQuietly(500);
        }
        throw new WakeupException();
    }

    private void applyRecord(ConsumerRecord<byte[], byte[]> r) {
        Header typeHeader = r.headers().lastHeader(CE_TYPE_HEADER);
        String ceType = typeHeader == null ? null : new String(typeHeader.value(), StandardCharsets.UTF_8);
        try {
            MigrationEvent event = EventCodec.decode(ceType, r.value());
            MigrationView after = views.compute(event.migrationId(), (id, current) -> MigrationProjection.apply(current, event));
            applied.incrementAndGet();
            timeline.record(MigrationUpdate.of(event, after));
        } catch (EventCodec.UnreadableEventException e) {
            // One bad record must not stop the view: count it and go on.
            unreadable.incrementAndGet();
            LOG.warn("skipping unreadable event {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    private static Instant sortTime(MigrationView v) {
        return v.requestedAt() != null ? v.requestedAt() : v.updatedAt();
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
