package dev.distill.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.image.Platform;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalRegistryIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void deletesItsStorageOnClose() {
        Path storage;
        try (LocalRegistry registry = LocalRegistry.start()) {
            storage = registry.storage();
            assertThat(storage).isDirectory();
            assertThat(registry.host()).startsWith("127.0.0.1:");
        }
        assertThat(Files.exists(storage)).isFalse();
    }

    @Test
    void sendsPushNotificationsWithTheSecret() throws Exception {
        BlockingQueue<String[]> received = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/events", exchange -> {
            received.add(new String[] {exchange.getRequestHeaders().getFirst("Authorization"),
                    new String(exchange.getRequestBody().readAllBytes())});
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        URI url = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/events");
        try (LocalRegistry registry = LocalRegistry.builder().notifications(url, "s3cret").start()) {
            TinyImage image = TinyImage.sample(Platform.LINUX_AMD64);
            image.push(registry.client(), registry.reference("demo/notified:1"));

            JsonNode manifestPush = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (manifestPush == null && System.nanoTime() < deadline) {
                String[] request = received.poll(200, TimeUnit.MILLISECONDS);
                if (request == null) {
                    continue;
                }
                assertThat(request[0]).isEqualTo("Bearer s3cret");
                for (JsonNode event : JSON.readTree(request[1]).path("events")) {
                    if (event.path("action").asText().equals("push")
                            && event.path("target").path("mediaType").asText().equals(MediaTypes.OCI_MANIFEST)) {
                        manifestPush = event;
                    }
                }
            }
            assertThat(manifestPush).as("a manifest push event within 10s").isNotNull();
            assertThat(manifestPush.path("target").path("repository").asText()).isEqualTo("demo/notified");
            assertThat(manifestPush.path("target").path("digest").asText()).isEqualTo(image.manifestDigest().toString());
            assertThat(manifestPush.path("target").path("tag").asText()).isEqualTo("1");
        } finally {
            receiver.stop(0);
        }
    }
}
