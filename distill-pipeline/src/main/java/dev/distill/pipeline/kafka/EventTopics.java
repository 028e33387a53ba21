package dev.distill.pipeline.kafka;

import dev.distill.events.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the pipeline's topics if they are missing. Event topics keep their records forever because the
 * status view is rebuilt from them; dead-letter topics keep the broker's default retention.
 */
public final class EventTopics {

    private EventTopics() {
    }

    /**
     * @param partitions partitions per event topic: the most instances of one stage that can share work
     * @param replication replication factor (1 for a single local broker)
     */
    public static void ensure(String bootstrapServers, int partitions, short replication) {
        List<NewTopic> wanted = new ArrayList<>();
        for (String topic : Topics.EVENT_TOPICS) {
            wanted.add(new NewTopic(topic, partitions, replication)
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1")));
        }
        for (String topic : Topics.STAGE_INPUT_TOPICS) {
            wanted.add(new NewTopic(Topics.deadLetter(topic), 1, replication));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // Another instance may have created them between listing and creating: that is fine.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create Kafka topics at " + bootstrapServers + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Kafka topics", e);
        }
    }
}
