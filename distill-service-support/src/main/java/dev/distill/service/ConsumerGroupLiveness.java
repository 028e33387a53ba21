package dev.distill.service;

import dev.distill.pipeline.stage.StageRunner;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
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
    private final Duration timeout;
    private volatile Set<String> members = Set.of();
    private volatile long fetchedAt;

    ConsumerGroupLiveness(Admin admin, String group) {
        this(admin, group, Duration.ofSeconds(10));
    }

    /** @param timeout how long one look at the group may take before the answer is "cannot tell" */
    ConsumerGroupLiveness(Admin admin, String group, Duration timeout) {
        this.admin = admin;
        this.group = group;
        this.timeout = timeout;
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
        Set<String> now;
        try {
            Map<String, ConsumerGroupDescription> described = admin.describeConsumerGroups(Set.of(group),
                    new DescribeConsumerGroupsOptions().timeoutMs((int) timeout.toMillis()))
                    .all().get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            ConsumerGroupDescription d = described.get(group);
            now = d == null ? Set.of() : d.members().stream().map(MemberDescription::clientId).collect(Collectors.toSet());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                return cannotTell(e);
            }
            // No such group (not yet, or no more): nobody is in it. Kafka 4 answers so where Kafka 3 listed it empty.
            now = Set.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return cannotTell(e);
        } catch (TimeoutException | RuntimeException e) {
            return cannotTell(e);
        }
        members = now;
        fetchedAt = System.nanoTime();
        return now;
    }

    private Set<String> cannotTell(Exception e) {
        LOG.warnf("cannot tell who is in consumer group %s (%s); counting every claimant as alive", group, e.toString());
        return null;
    }
}
