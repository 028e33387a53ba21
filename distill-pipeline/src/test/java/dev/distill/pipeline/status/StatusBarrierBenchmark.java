package dev.distill.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.Topics;
import dev.distill.pipeline.kafka.EventTopics;
import dev.distill.pipeline.kafka.KafkaEventPublisher;
import dev.distill.pipeline.testing.EmbeddedKafka;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * What a status barrier ({@link MigrationStatusStore#awaitCaughtUp}) costs: the wait every stage input pays twice
 * (issue 15's hand-off). Prints figures, asserts nothing about time; its name keeps it out of the test runs:
 * {@code ./mvnw -B -pl distill-pipeline -am verify -Dtest=StatusBarrierBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}.
 *
 * <p>Side by side in one broker, rounds interleaved: <b>before</b> is the former barrier's broker call, the end offsets
 * asked through the projecting consumer right after an idle poll (its fetch parked at the broker); <b>after</b> is
 * the store's barrier as it is now, from a caller's thread. Each round idles first, then writes one event and asks
 * (after a write), then asks again (idle).
 */
class StatusBarrierBenchmark {

    private static final int ROUNDS = Integer.getInteger("distill.bench.rounds", 15);

    @Test
    void barrierLatency() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            EventTopics.ensure(kafka.bootstrapServers(), 3, (short) 1);
            try (KafkaEventPublisher publisher = new KafkaEventPublisher(kafka.bootstrapServers(), URI.create("urn:bench"));
                    MigrationStatusStore store = new MigrationStatusStore(kafka.bootstrapServers(), Topics.EVENT_TOPICS);
                    KafkaConsumer<byte[], byte[]> former = formerConsumer(kafka.bootstrapServers())) {
                store.start();
                assertThat(store.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                List<TopicPartition> partitions = new ArrayList<>();
                Topics.EVENT_TOPICS.forEach(t -> former.partitionsFor(t).forEach(
                        p -> partitions.add(new TopicPartition(p.topic(), p.partition()))));
                former.assign(partitions);
                former.seekToEnd(partitions);
                partitions.forEach(former::position);
                long[][] before = new long[2][ROUNDS];
                long[][] after = new long[2][ROUNDS];
                for (int i = 0; i < ROUNDS; i++) {
                    Thread.sleep(300);
                    publish(publisher, "m-before-" + i);
                    before[0][i] = formerBarrier(former, partitions);
                    Thread.sleep(300);
                    before[1][i] = formerBarrier(former, partitions);
                    Thread.sleep(300);
                    String id = "m-after-" + i;
                    publish(publisher, id);
                    long t0 = System.nanoTime();
                    assertThat(store.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                    after[0][i] = (System.nanoTime() - t0) / 1_000_000;
                    assertThat(store.find(id)).as("read your writes").isPresent();
                    Thread.sleep(300);
                    t0 = System.nanoTime();
                    assertThat(store.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                    after[1][i] = (System.nanoTime() - t0) / 1_000_000;
                }
                System.out.printf("[bench] status barrier, %d rounds, ms: median (min-max)%n", ROUNDS);
                System.out.printf("[bench] before, after a write: %s%n", summary(before[0]));
                System.out.printf("[bench] before, idle:          %s%n", summary(before[1]));
                System.out.printf("[bench] after,  after a write: %s%n", summary(after[0]));
                System.out.printf("[bench] after,  idle:          %s%n", summary(after[1]));
            }
        }
    }

    /** The former barrier's call: an idle poll (which parks a fetch at the broker), then the end offsets. */
    private static long formerBarrier(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> partitions) {
        c.poll(Duration.ofMillis(100));
        long t0 = System.nanoTime();
        Map<TopicPartition, Long> ends = c.endOffsets(partitions);
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ends).hasSize(partitions.size());
        return took;
    }

    private static KafkaConsumer<byte[], byte[]> formerConsumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static void publish(KafkaEventPublisher publisher, String id) {
        publisher.publish(new MigrationRequested(id, Instant.now(), "127.0.0.1:5000/bench:1", "127.0.0.1:5000",
                "bench", "1", null, MigrationOptions.DEFAULT, "api"));
    }

    private static String summary(long[] ms) {
        long[] s = ms.clone();
        Arrays.sort(s);
        return s[s.length / 2] + " (" + s[0] + "-" + s[s.length - 1] + ")";
    }
}
