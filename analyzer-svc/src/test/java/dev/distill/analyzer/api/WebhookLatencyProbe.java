package dev.distill.analyzer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.events.MigrationRequested;
import dev.distill.pipeline.testing.EventLog;
import dev.distill.service.testing.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A measuring tool, not a test run in CI: fires webhook notifications at a steady rate from many clients at once
 * (half of them resent concurrently, as a registry does), prints the latency percentiles, and samples the stacks of
 * the threads serving them to show where an admission spends its time. Run with
 * {@code -Ddistill.bench=webhook [-Ddistill.bench.rate=100 -Ddistill.bench.seconds=5 -Ddistill.bench.http=1.1|2]}. It still checks that every push
 * got exactly one migration, so a faster webhook cannot pass by dropping or doubling work.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@EnabledIfSystemProperty(named = "distill.bench", matches = "webhook")
class WebhookLatencyProbe {

    private static final String V1 = "application/vnd.docker.distribution.events.v1+json";

    @Test
    void measure() throws Exception {
        ApiTokens.useOperator();
        int rate = Integer.getInteger("distill.bench.rate", 100);
        int seconds = Integer.getInteger("distill.bench.seconds", 5);
        String prefix = "probe" + Long.toHexString(System.nanoTime());
        Random random = new Random(7);
        // Warm up the HTTP stack, the producer and the status view, then time single requests with nothing else going on.
        for (int i = 0; i < 10; i++) {
            send(prefix + "/warm", "w" + i, hex(random));
        }
        List<Long> alone = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String digest = hex(random);
            long t0 = System.nanoTime();
            send(prefix + "/alone", "a" + i, digest);
            long t1 = System.nanoTime();
            send(prefix + "/alone", "a" + i, digest);
            alone.add(t1 - t0);
            alone.add(System.nanoTime() - t1);
        }
        List<Long> created = new ArrayList<>();
        List<Long> resent = new ArrayList<>();
        for (int i = 0; i < alone.size(); i++) {
            (i % 2 == 0 ? created : resent).add(alone.get(i));
        }
        Collections.sort(created);
        Collections.sort(resent);
        System.out.printf(Locale.ROOT, "%n=== one request at a time: new push p50 %.1f ms (max %.1f), resent push p50 %.1f ms (max %.1f)%n",
                pct(created, 0.5), created.get(created.size() - 1) / 1e6, pct(resent, 0.5), resent.get(resent.size() - 1) / 1e6);
        int total = rate * seconds;
        List<String[]> pushes = new ArrayList<>();
        for (int i = 0; i < total / 2; i++) {
            pushes.add(new String[] {prefix + "/r" + (i % 20), "t" + i, hex(random)});
        }
        List<Long> latencies = new CopyOnWriteArrayList<>();
        Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> frames = new ConcurrentHashMap<>();
        AtomicInteger samples = new AtomicInteger();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        sampler.scheduleAtFixedRate(() -> sample(mx, frames, samples), 0, 20, TimeUnit.MILLISECONDS);
        ExecutorService clients = Executors.newFixedThreadPool(256);
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        List<Future<?>> sent = new CopyOnWriteArrayList<>();
        long periodNanos = 1_000_000_000L / rate;
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        pacer.scheduleAtFixedRate(() -> {
            int n = next.getAndIncrement();
            if (n >= total) {
                return;
            }
            String[] p = pushes.get(n % pushes.size());
            sent.add(clients.submit(() -> {
                long t0 = System.nanoTime();
                int code = send(p[0], p[1], p[2]);
                latencies.add(System.nanoTime() - t0);
                answers.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
            }));
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        while (next.get() < total) {
            Thread.sleep(50);
        }
        pacer.shutdown();
        for (Future<?> f : sent) {
            f.get(120, TimeUnit.SECONDS);
        }
        long wall = System.nanoTime() - start;
        sampler.shutdownNow();
        clients.shutdown();

        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf(Locale.ROOT, "%n=== webhook probe: %d requests at %d/s (%d unique pushes), wall %.1f s%n", total, rate,
                pushes.size(), wall / 1e9);
        System.out.printf(Locale.ROOT, "answers %s; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", answers,
                pct(sorted, 0.5), pct(sorted, 0.9), pct(sorted, 0.99), sorted.get(sorted.size() - 1) / 1e6);
        System.out.printf(Locale.ROOT, "where request threads were (%d samples of every thread inside the webhook):%n",
                samples.get());
        frames.entrySet().stream().sorted(Map.Entry.<String, AtomicInteger>comparingByValue(
                (a, b) -> Integer.compare(b.get(), a.get()))).limit(15)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %6d  %s%n", e.getValue().get(), e.getKey()));

        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        Map<String, Long> perPush = EventLog.all(bootstrap).stream()
                .filter(e -> e instanceof MigrationRequested r && r.repository().startsWith(prefix + "/r"))
                .map(e -> ((MigrationRequested) e).digest())
                .collect(Collectors.groupingBy(d -> d, Collectors.counting()));
        assertThat(perPush).hasSize(pushes.size());
        assertThat(perPush.values()).allMatch(c -> c == 1L);
        assertThat(answers.keySet()).allMatch(c -> c == 200 || c == 202);
    }

    /** The deepest Distill frame and the frame it waits in, for every thread serving the webhook right now. */
    private static void sample(ThreadMXBean mx, Map<String, AtomicInteger> frames, AtomicInteger samples) {
        for (ThreadInfo info : mx.dumpAllThreads(false, false, 64)) {
            StackTraceElement[] stack = info.getStackTrace();
            boolean inWebhook = false;
            for (StackTraceElement e : stack) {
                if (e.getClassName().endsWith("RegistryEventsResource")) {
                    inWebhook = true;
                    break;
                }
            }
            if (!inWebhook) {
                continue;
            }
            samples.incrementAndGet();
            String ours = "?";
            for (StackTraceElement e : stack) {
                if (e.getClassName().startsWith("dev.distill")) {
                    ours = e.getClassName().substring(e.getClassName().lastIndexOf('.') + 1) + "." + e.getMethodName()
                            + ":" + e.getLineNumber();
                    break;
                }
            }
            String top = stack.length == 0 ? "?" : stack[0].getClassName() + "." + stack[0].getMethodName();
            frames.computeIfAbsent(info.getThreadState() + " " + ours + " <- " + top, k -> new AtomicInteger())
                    .incrementAndGet();
        }
    }

    // The JDK client on its own pool, so the client is not what queues the requests; HTTP/1.1 as a registry speaks it
    // (-Ddistill.bench.http=2 multiplexes every request over one connection instead).
    private static final HttpClient HTTP = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(64))
            .version("2".equals(System.getProperty("distill.bench.http")) ? HttpClient.Version.HTTP_2
                    : HttpClient.Version.HTTP_1_1).build();

    private static int send(String repository, String tag, String digestHex) {
        String body = RegistryWebhookTest.push(repository, tag, "0", "skopeo/1.9").replace("0".repeat(64), digestHex);
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/registry/events"))
                .header("Authorization", "Bearer test-secret").header("Content-Type", V1)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String hex(Random random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static double pct(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)) / 1e6;
    }
}
