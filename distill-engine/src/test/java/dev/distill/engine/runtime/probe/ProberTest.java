package dev.distill.engine.runtime.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prober against a server of this test, in the test's own network namespace ({@code /proc/self/ns/net} is the
 * namespace of nsenter itself): statuses, bounded bodies, retries while a server starts, and giving up.
 */
class ProberTest {

    private static final Path OWN_NAMESPACE = Path.of("/proc/self/ns/net");

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/nsenter")),
                "nsenter needs root");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            // The first two requests find the application still starting.
            boolean ready = requests.incrementAndGet() > 2;
            byte[] body = (ready ? "x".repeat(100) : "starting").getBytes(StandardCharsets.UTF_8);
            int status = exchange.getRequestURI().getPath().equals("/missing") ? 404 : ready ? 200 : 503;
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void retriesUntilTheExpectedStatusAndKeepsABoundedBody() {
        Prober prober = new Prober(OWN_NAMESPACE, () -> true, () -> "log", 10);

        ProbeResult result = prober.http(HttpCheck.ok(port(), "/"), Duration.ofSeconds(10));

        assertThat(result.passed()).as("%s", result).isTrue();
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(result.answer().status()).isEqualTo(200);
        assertThat(result.answer().body()).isEqualTo("xxxxxxxxxx");
        assertThat(result.answer().truncated()).isTrue();
        assertThat(result.logExcerpt()).isEmpty();
    }

    @Test
    void aWrongStatusUntilTheDeadlineFailsWithTheLastAnswerAndTheLog() {
        requests.set(10);
        Prober prober = new Prober(OWN_NAMESPACE, () -> true, () -> "the log", 1024);

        ProbeResult result = prober.http(HttpCheck.ok(port(), "/missing"), Duration.ofMillis(700));

        assertThat(result.passed()).isFalse();
        assertThat(result.answer().status()).isEqualTo(404);
        assertThat(result.evidence()).contains("gave up", "HTTP 404");
        assertThat(result.logExcerpt()).isEqualTo("the log");
    }

    @Test
    void aServerThatAcceptsAndSaysNothingPassesItsTcpProbeAtTheFirstAttempt() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread holder = new Thread(() -> {
                try (java.net.Socket s = silent.accept()) {
                    s.getInputStream().read();  // holds the connection, says nothing, until the prober goes
                } catch (java.io.IOException e) {
                    // closed by the test
                }
            });
            holder.setDaemon(true);
            holder.start();

            ProbeResult tcp = new Prober(OWN_NAMESPACE, () -> true, () -> "", 0).tcp(silent.getLocalPort(), Duration.ofSeconds(5));

            assertThat(tcp.passed()).as("%s", tcp).isTrue();
            assertThat(tcp.attempts()).isEqualTo(1);
            holder.join(5000);
            assertThat(holder.isAlive()).as("the prober closed its connection").isFalse();
        }
        assertThat(Prober.seconds(Prober.TCP_HOLD)).isEqualTo("0.200");
    }

    @Test
    void aClosedPortFailsAtOnceWhenTheProcessHasEnded() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        AtomicBoolean alive = new AtomicBoolean(true);
        Prober prober = new Prober(OWN_NAMESPACE, () -> alive.getAndSet(false), () -> "exited", 1024);

        ProbeResult tcp = prober.tcp(closed, Duration.ofSeconds(30));
        ProbeResult open = new Prober(OWN_NAMESPACE, () -> true, () -> "", 0).tcp(port(), Duration.ofSeconds(5));

        assertThat(tcp.passed()).isFalse();
        assertThat(tcp.evidence()).startsWith("process ended");
        assertThat(tcp.attempts()).isEqualTo(2);
        assertThat(open.passed()).as("%s", open).isTrue();
    }

    private int port() {
        return server.getAddress().getPort();
    }
}
