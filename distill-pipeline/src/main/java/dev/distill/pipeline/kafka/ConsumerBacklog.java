package dev.distill.pipeline.kafka;

import dev.distill.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What waits in Kafka, as the broker sees it: per consumer group and stage input topic, the records not yet
 * committed (lag), how many members the group has, and how many records each dead-letter topic holds.
 *
 * <p>Measured from the broker rather than inside the consumers: a consumer that died stops reporting its own lag,
 * while its committed offsets stay on the broker and its backlog keeps growing there. Every group that has committed
 * an offset on a stage input topic, or whose members are assigned one, is included: a stage whose consumers are all
 * gone is still seen, and so is a new group before its first commit.
 */
public final class ConsumerBacklog {

    /**
     * One consumer group on one topic.
     *
     * @param lag the records on the topic after the group's committed offsets (from the start of a partition it never
     *     committed on)
     * @param members the group's live members (0: nobody consumes)
     */
    public record GroupLag(String group, String topic, long lag, int members) {
    }

    /**
     * @param groups one entry per (group, topic), sorted
     * @param deadLetters records held per dead-letter topic (end offset minus start offset, summed over partitions)
     */
    public record Snapshot(List<GroupLag> groups, Map<String, Long> deadLetters) {

        public Snapshot {
            groups = List.copyOf(groups);
            deadLetters = Map.copyOf(deadLetters);
        }
    }

    private ConsumerBacklog() {
    }

    /**
     * Reads the backlog of the stage input topics and their dead-letter topics.
     *
     * @throws IllegalStateException when the broker does not answer within the timeout (per request)
     */
    public static Snapshot read(Admin admin, Duration timeout) {
        return read(admin, Topics.STAGE_INPUT_TOPICS, timeout);
    }

    static Snapshot read(Admin admin, Collection<String> inputTopics, Duration timeout) {
        List<String> deadLetterTopics = inputTopics.stream().map(Topics::deadLetter).toList();
        List<String> all = new ArrayList<>(inputTopics);
        all.addAll(deadLetterTopics);
        Map<String, TopicDescription> topics = get(admin.describeTopics(all).allTopicNames(), timeout, "describe topics " + all);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        topics.values().forEach(t -> t.partitions().forEach(p -> {
            TopicPartition tp = new TopicPartition(t.name(), p.partition());
            latest.put(tp, OffsetSpec.latest());
            earliest.put(tp, OffsetSpec.earliest());
        }));
        Map<TopicPartition, Long> end = offsets(admin.listOffsets(latest), timeout);
        Map<TopicPartition, Long> start = offsets(admin.listOffsets(earliest), timeout);

        Map<String, Long> deadLetters = new TreeMap<>();
        for (String topic : deadLetterTopics) {
            long held = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                if (e.getKey().topic().equals(topic)) {
                    held += e.getValue() - start.getOrDefault(e.getKey(), 0L);
                }
            }
            deadLetters.put(topic, held);
        }

        Collection<GroupListing> listed = get(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all(), timeout,
                "list consumer groups");
        if (listed.isEmpty()) {
            return new Snapshot(List.of(), deadLetters);
        }
        Map<String, ListConsumerGroupOffsetsSpec> specs = new TreeMap<>();
        listed.forEach(g -> specs.put(g.groupId(), new ListConsumerGroupOffsetsSpec()));
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = get(admin.listConsumerGroupOffsets(specs).all(),
                timeout, "list committed offsets");
        Map<String, ConsumerGroupDescription> described = get(admin.describeConsumerGroups(specs.keySet()).all(),
                timeout, "describe consumer groups " + specs.keySet());
        Set<String> inputs = Set.copyOf(inputTopics);
        List<GroupLag> groups = new ArrayList<>();
        for (String group : specs.keySet()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = committed.getOrDefault(group, Map.of());
            ConsumerGroupDescription description = described.get(group);
            // A group consumes a topic it has committed on (even with no member left) or one its members are assigned.
            Set<String> consumed = new TreeSet<>();
            offsets.keySet().stream().map(TopicPartition::topic).filter(inputs::contains).forEach(consumed::add);
            if (description != null) {
                description.members().forEach(m -> m.assignment().topicPartitions().stream().map(TopicPartition::topic)
                        .filter(inputs::contains).forEach(consumed::add));
            }
            int members = description == null ? 0 : description.members().size();
            for (String topic : consumed) {
                long lag = 0;
                for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                    if (e.getKey().topic().equals(topic)) {
                        OffsetAndMetadata at = offsets.get(e.getKey());
                        long from = at != null ? at.offset() : start.getOrDefault(e.getKey(), 0L);
                        lag += Math.max(0, e.getValue() - from);
                    }
                }
                groups.add(new GroupLag(group, topic, lag, members));
            }
        }
        return new Snapshot(groups, deadLetters);
    }

    private static Map<TopicPartition, Long> offsets(ListOffsetsResult result, Duration timeout) {
        Map<TopicPartition, Long> out = new HashMap<>();
        get(result.all(), timeout, "list offsets").forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future, Duration timeout, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka could not " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not " + what + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking Kafka to " + what, e);
        }
    }
}
