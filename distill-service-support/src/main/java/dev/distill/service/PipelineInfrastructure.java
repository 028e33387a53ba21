package dev.distill.service;

import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.kafka.EventTopics;
import dev.distill.pipeline.stage.StageRunner;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.status.MigrationStatusStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Creates the topics at start-up and provides the status view (rebuilt from Kafka), this instance's name and the
 * stage runners.
 */
@ApplicationScoped
public class PipelineInfrastructure {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "distill.kafka.partitions")
    int partitions;

    @ConfigProperty(name = "distill.kafka.replication-factor")
    short replicationFactor;

    @ConfigProperty(name = "distill.status.catch-up-timeout")
    Duration catchUpTimeout;

    @ConfigProperty(name = "quarkus.application.name")
    String application;

    @Inject
    StageSettings stageSettings;

    @Inject
    Config config;

    /** Extension point: metrics and the like hear about every input every stage handles. */
    @Inject
    @Any
    Instance<StageRunner.Listener> listeners;

    private volatile MigrationStatusStore store;
    private volatile Admin admin;
    private final List<StageRunner> runners = new CopyOnWriteArrayList<>();
    private final Map<Path, InstanceWorkDirectory> workDirectories = new HashMap<>();
    /** Unique per process: a restarted instance (same host, maybe the same pid in a container) is another instance. */
    private final String instance = ManagementFactory.getRuntimeMXBean().getName() + "/"
            + HexFormat.of().formatHex(ByteBuffer.allocate(4).putInt(new SecureRandom().nextInt()).array());

    /** Runs before the messaging channels connect, so the topics exist with the right retention. */
    void createTopics(@Observes @Priority(1) StartupEvent event) {
        EventTopics.ensure(bootstrapServers, partitions, replicationFactor);
        statusStore().start();
    }

    void stop(@Observes ShutdownEvent event) {
        // Work in flight is dropped unacknowledged: its inputs come again, to another instance or after a restart.
        runners.forEach(StageRunner::close);
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (store != null) {
            store.close();
        }
        workDirectories.values().forEach(InstanceWorkDirectory::close);
    }

    @Produces
    @Singleton
    synchronized MigrationStatusStore statusStore() {
        if (store == null) {
            store = new MigrationStatusStore(bootstrapServers, Topics.EVENT_TOPICS);
        }
        return store;
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Which instance did the work, for the stage records and claims: application name, process and a random tag. */
    public String instanceName() {
        return application + "@" + instance;
    }

    public Duration catchUpTimeout() {
        return catchUpTimeout;
    }

    /**
     * A runner for the stage fed by an incoming channel: its budget from {@code distill.stage.*}, the liveness of
     * other instances from the channel's consumer group.
     */
    public StageRunner runner(Stage stage, String channel, EventPublisher publisher, Clock clock) {
        String group = config.getValue("mp.messaging.incoming." + channel + ".group.id", String.class);
        StageRunner.Settings settings = new StageRunner.Settings(instanceName(), catchUpTimeout, stageSettings.budget(),
                stageSettings.grace(), stageSettings.watchInterval());
        StageRunner runner = new StageRunner(stage, statusStore(), publisher, clock, settings,
                new ConsumerGroupLiveness(admin(), group));
        listeners.forEach(runner::addListener);
        // A cancellation stops this instance's work on the migration at once, wherever it is blocked.
        statusStore().timeline().subscribe(update -> {
            if (update.kind().equals("cancelled") && update.state() == MigrationState.CANCELLED) {
                runner.cancel(update.migrationId(), "cancelled by " + update.by());
            }
        });
        runners.add(runner);
        return runner;
    }

    /**
     * This instance's own work directory under {@code root}: what instances that died (kill -9 included) left under
     * it is removed first; the directory goes when this instance stops.
     */
    public synchronized Path workDirectory(Path root) throws IOException {
        InstanceWorkDirectory dir = workDirectories.get(root);
        if (dir == null) {
            dir = InstanceWorkDirectory.claim(root, instanceName());
            workDirectories.put(root, dir);
        }
        return dir.path();
    }

    /** The runners of this service, for health checks. */
    public List<StageRunner> runners() {
        return List.copyOf(runners);
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    AdminClientConfig.CLIENT_ID_CONFIG, instanceName() + "/liveness"));
        }
        return admin;
    }
}
