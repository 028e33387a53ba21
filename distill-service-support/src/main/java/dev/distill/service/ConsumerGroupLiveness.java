package dev.distill.service;

import dev.distill.pipeline.stage.StageRunner;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.jboss.logging.Logger;

/**
 * An instance is alive while one of its consumers is a member of the stage's consumer group: Kafka drops a member
 * that stopped heart-beating (after {@code session.timeout.ms}) or left, and only then hands its partitions to others.
 * So when an input comes to this instance that another one claimed, that one is either still in the group (working on
 * it: wait) or gone (take over). When Kafka cannot be asked, everyone counts as alive: waiting is safe, starting twice
 * is not.
 */
final class ConsumerGroupLiveness implements StageRunner.Liveness {

    private static final Logger LOG = Logger.getLogger(ConsumerGroupLiveness.class);
    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Admin admin;
    private final String group;
    private volatile Set<String> members = Set.of();
    private volatile long fetchedAt;

    ConsumerGroupLiveness(Admin admin, String group) {
        this.admin = admin;
        this.group = group;
    }

    /** The {@code client.id} of an instance's consumer on a channel. */
    static String clientId(String instance, String channel) {
        return instance + "/" + channel;
    }

    @Override
    public boolean isAlive(String instance) {
        Set<String> now = members();
        if (now == null) {
            return true;
        }
        return now.stream().anyMatch(id -> id.startsWith(instance + "/"));
    }

    private Set<String> members() {
        if (System.nanoTime() - fetchedAt < CACHE_NANOS) {
            return members;
        }
        try {
            Map<String, ConsumerGroupDescription> described = admin.describeConsumerGroups(Set.of(group),
                    new DescribeConsumerGroupsOptions().timeoutMs((int) Duration.ofSeconds(10).toMillis()))
                    .all().get(15, TimeUnit.SECONDS);
            ConsumerGroupDescription d = described.get(group);
            members = d == null ? Set.of() : d.members().stream().map(MemberDescription::clientId).collect(Collectors.toSet());
            fetchedAt = System.nanoTime();
            return members;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warnf("cannot tell who is in consumer group %s (%s); counting every claimant as alive", group, e.toString());
            return null;
        }
    }
}
