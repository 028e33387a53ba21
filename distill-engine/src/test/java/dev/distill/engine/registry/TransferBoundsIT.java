package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.budget.Budget;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import dev.distill.engine.testing.TricklingRegistryFront;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every registry transfer ends in bounded time, whatever the registry does: a real registry behind a front that
 * trickles or stalls one layer. An abandoned transfer says what, why, how far it got and how fast, and its
 * connection is closed (the front sees the client hang up).
 */
class TransferBoundsIT {

    private static LocalRegistry registry;
    private static Descriptor layer;
    private TricklingRegistryFront front;

    @BeforeAll
    static void pushAnImageWithAnIncompressibleLayer() throws Exception {
        registry = LocalRegistry.start();
        byte[] noise = new byte[64 * 1024];
        new Random(10).nextBytes(noise);
        TinyImage image = TinyImage.builder().platform(Platform.LINUX_AMD64).file("/noise", noise, 0644).build();
        image.push(registry.client(), registry.reference("slow/app:1"));
        layer = image.layerDescriptor();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @BeforeEach
    void startFront() throws IOException {
        front = TricklingRegistryFront.start(registry.host());
    }

    @AfterEach
    void stopFront() throws IOException {
        front.close();
    }

    private ImageReference viaFront() {
        return ImageReference.parse(front.host() + "/slow/app:1");
    }

    private static RegistryClient client(TransferLimits limits) {
        return RegistryClient.builder().transferLimits(limits).build();
    }

    private void awaitHangUp() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (front.tricklesAbandoned() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(front.tricklesAbandoned()).as("the client closed the slow connection").isEqualTo(1);
        assertThat(front.tricklesInProgress()).isZero();
    }

    @Test
    void aLayerTrickledAtOneBytePerSecondIsAbandonedBelowTheMinimumRate() throws Exception {
        front.trickle(layer.digest(), 1);
        RegistryClient client = client(TransferLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(10))
                .withMinThroughput(1024, Duration.ofSeconds(2)));
        long start = System.nanoTime();
        assertThatThrownBy(() -> {
            try (InputStream in = client.openBlob(viaFront(), layer)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }).isInstanceOf(TransferAbortedException.class)
                .hasMessageContaining(layer.digest().toString())
                .hasMessageContaining("slower than the minimum of 1.0 KiB/s")
                .hasMessageContaining(" of " + TransferGuard.size(layer.size()))
                .hasMessageMatching("(?s).*\\(\\d+ B/s\\).*");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        awaitHangUp();
        assertThat(client.openTransfers()).isZero();
    }

    @Test
    void aLayerThatStallsAfterItsHeadersIsAbandonedAtTheIdleTimeout() throws Exception {
        front.stall(layer.digest());
        RegistryClient client = client(TransferLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(1)));
        assertThatThrownBy(() -> {
            try (InputStream in = client.openBlob(viaFront(), layer)) {
                in.read();
            }
        }).isInstanceOf(TransferAbortedException.class)
                .hasMessageContaining(layer.digest().toString())
                .hasMessageContaining("the registry sent nothing for")
                .hasMessageContaining("idle timeout 1s")
                .hasMessageContaining("0 B of " + TransferGuard.size(layer.size()));
        awaitHangUp();
    }

    @Test
    void aSpentBudgetAbortsATransferBlockedInAReadAndSaysWhereItWas() throws Exception {
        front.trickle(layer.digest(), 2);
        RegistryClient client = client(TransferLimits.DEFAULTS);
        Budget budget = Budget.of(Duration.ofMinutes(5));
        budget.step("reading the layers");
        CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try (Budget.Binding ignored = budget.bind(); InputStream in = client.openBlob(viaFront(), layer)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!budget.doing().matches(".*[1-9] B of .*") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String doing = budget.doing();
        assertThat(doing).startsWith("reading the layers: GET http://" + front.host() + "/v2/slow/app/blobs/" + layer.digest())
                .containsPattern("[1-9] B of " + java.util.regex.Pattern.quote(TransferGuard.size(layer.size())) + " in \\d");
        assertThat(budget.expire("the analyze stage ran out of time")).isTrue();
        Throwable failure = reader.get(5, TimeUnit.SECONDS);
        assertThat(failure).isInstanceOf(TransferAbortedException.class)
                .hasMessageContaining("the analyze stage ran out of time");
        awaitHangUp();
        assertThat(client.openTransfers()).isZero();
    }

    @Test
    void aSpentBudgetCancelsARequestStillWaitingForItsAnswer() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Integer> hangUp = CompletableFuture.supplyAsync(() -> {
                try (Socket s = silent.accept()) {
                    InputStream in = s.getInputStream();
                    while (in.read() >= 0) {
                        // the request; then nothing is ever answered
                    }
                    return 1;
                } catch (IOException e) {
                    return 1;
                }
            });
            RegistryClient client = client(TransferLimits.DEFAULTS.withResponseTimeout(Duration.ofMinutes(5)));
            Budget budget = Budget.of(Duration.ofMinutes(5));
            CompletableFuture<Throwable> caller = CompletableFuture.supplyAsync(() -> {
                try (Budget.Binding ignored = budget.bind()) {
                    client.resolve(ImageReference.parse("127.0.0.1:" + silent.getLocalPort() + "/demo/app:1"), Platform.LINUX_AMD64);
                    return null;
                } catch (Exception e) {
                    return e;
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!budget.doing().contains("for the answer to GET") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(budget.doing()).contains("for the answer to GET http://127.0.0.1:" + silent.getLocalPort()
                    + "/v2/demo/app/manifests/1");
            budget.expire("cancelled");
            assertThat(caller.get(5, TimeUnit.SECONDS)).isInstanceOf(RegistryException.class)
                    .hasMessageContaining("gave up waiting for registry 127.0.0.1:" + silent.getLocalPort())
                    .hasMessageContaining("cancelled");
            assertThat(hangUp.get(5, TimeUnit.SECONDS)).as("the connection was closed").isEqualTo(1);
        }
    }

    @Test
    void aReaderThatPausesIsNotBlamedForTheRegistry() throws Exception {
        RegistryClient client = client(TransferLimits.DEFAULTS.withIdleTimeout(Duration.ofMillis(500))
                .withMinThroughput(1024 * 1024, Duration.ofMillis(500)));
        try (InputStream in = client.openBlob(registry.reference("slow/app"), layer)) {
            byte[] first = in.readNBytes(1000);
            Thread.sleep(2000);  // four idle timeouts and windows of our own work, not the registry's
            assertThat(first.length + in.readAllBytes().length).isEqualTo((int) layer.size());
        }
        assertThat(client.openTransfers()).isZero();
    }
}
