package dev.distill.pipeline.testing;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.IOException;
import java.net.ServerSocket;

/**
 * A real single-node KRaft Kafka broker in this JVM, on free ports. Shared by the modules' tests; the
 * services wrap it in a Quarkus test resource.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private final EmbeddedKafkaBroker broker;

    private EmbeddedKafka(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    public static EmbeddedKafka start() {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker()
                .withKafkaPort(freePort())
                .withControllerPort(freePort())
                .withDeleteLogDirsOnClose(true)
                .withAdditionalProperties(p -> {
                    p.put("group.initial.rebalance.delay.ms", "0");
                    p.put("offsets.topic.num.partitions", "3");
                })
                .start();
        return new EmbeddedKafka(broker);
    }

    public String bootstrapServers() {
        return broker.getAdvertisedListeners().replaceAll("^[A-Z_]+://", "");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    @Override
    public void close() {
        broker.close();
    }
}
