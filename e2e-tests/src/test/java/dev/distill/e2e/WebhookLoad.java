package dev.distill.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationRequested;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageStarted;
import dev.distill.pipeline.testing.EventLog;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Registry push notifications at a steady rate against the running stack, the way docker-registry sends them (one
 * envelope per manifest push, {@code Authorization: Bearer <secret>}), half of them sent twice, as a registry does
 * when it resends what it thinks was not acknowledged; an answer other than 2xx (or none within 5 s) is resent after a
 * second, as the registry's retry queue does. Meanwhile a reader asks the status API for the migrations the webhook
 * started, and the services' memory is sampled. Afterwards Kafka, the system of record, is asked whether every push
 * got exactly one migration, and the analysis stage whether it started each exactly once.
 *
 * <p>The pushed digests do not exist in the registry: each migration ends FAILED in the analysis ("not found") right
 * away, so the load is on intake, the status view and the analysis stage's consumer, not on building images.
 */
final class WebhookLoad {

    /** What a run measured. */
    record Report(int perSecond, int seconds, int notifications, int uniquePushes, int resent, Map<Integer, Integer> answers,
            Latencies webhook, Latencies status, int migrations, int pushesWithoutMigration, int pushesWithSeveralMigrations,
            int analysesStartedTwice, int notEnded, Duration drain, int endedDuringDrain, Map<String, Long> peakRssKib,
            Map<String, Long> peakHeapBytes, int statusFailures, String serverSide) {

        String describe() {
            return String.format(Locale.ROOT, """
                    %d notifications in %d s (%d/s; %d unique pushes, the rest resent duplicates; %d resent after a non-2xx or no answer)
                    webhook answers: %s
                    webhook latency: %s
                    webhook time inside the service (its http_server_requests metric): %s
                    status API latency: %s; reads not answered 200: %d
                    migrations: %d; pushes without a migration: %d; with more than one: %d; analyses started twice: %d
                    drain (the analysis stage's backlog, not the webhook's check): %d migrations ended in the %d s after the last notification; %d not ended then
                    peak RSS (MiB): %s
                    peak JVM heap used (MiB): %s""",
                    notifications, seconds, perSecond, uniquePushes, resent, answers, webhook, serverSide, status,
                    statusFailures,
                    migrations, pushesWithoutMigration, pushesWithSeveralMigrations, analysesStartedTwice,
                    endedDuringDrain, drain.toSeconds(), notEnded,
                    peakRssKib.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() / 1024)
                            .collect(Collectors.joining(", ")),
                    peakHeapBytes.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() / (1024 * 1024))
                            .collect(Collectors.joining(", ")));
        }
    }

    /** Latency percentiles in milliseconds. */
    record Latencies(int count, double p50, double p99, double max) {
        static Latencies of(List<Long> nanos) {
            List<Long> sorted = new ArrayList<>(nanos);
            Collections.sort(sorted);
            if (sorted.isEmpty()) {
                return new Latencies(0, 0, 0, 0);
            }
            return new Latencies(sorted.size(), ms(sorted, 0.50), ms(sorted, 0.99), sorted.get(sorted.size() - 1) / 1e6);
        }

        private static double ms(List<Long> sorted, double q) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)) / 1e6;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests)", p50, p99, max, count);
        }
    }

    /** One manifest push; {@code eventId} is the notification's, the same when the registry resends it. */
    private record Push(String repository, String tag, String digest, String eventId) {
    }

    private static final String SERVICES_PID_DIR = "pids";
    private static final List<String> SAMPLED = List.of("analyzer-svc", "builder-svc", "verifier-svc", "kafka");
    private static final List<String> SERVICES = List.of("analyzer-svc", "builder-svc", "verifier-svc");

    /**
     * HTTP/1.1, as the registry speaks to a webhook ({@code http://}: Go's client does not upgrade to HTTP/2). The
     * JDK's client would otherwise upgrade to HTTP/2 and multiplex every request over one connection, which one event
     * loop of the service serves ({@code -Dload.http=2} to measure that).
     */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version("2".equals(System.getProperty("load.http")) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(8)).build();
    /**
     * The senders: each sends one notification at a time over its kept-alive connection, as one registry does to its
     * endpoint, so this is {@code -Dload.connections} (64) registries at once. An unbounded number of connections
     * made the client itself the bottleneck (thousands of connections, the harness's JVM using as much CPU as the
     * service), which measured the client, not the webhook.
     */
    private final java.util.concurrent.ExecutorService senders =
            Executors.newFixedThreadPool(Integer.getInteger("load.connections", 64));
    private final String secret;
    private final String readerToken;
    private final String repositoryPrefix;
    private final Random random;

    /**
     * @param repositoryPrefix repositories are {@code <prefix>/r<n>}, so runs (and other tests) do not meet
     */
    WebhookLoad(String repositoryPrefix, long seed) throws IOException {
        String fromEnv = System.getenv("DISTILL_WEBHOOK_SECRET");
        this.secret = fromEnv != null && !fromEnv.isBlank() ? fromEnv
                : Files.readString(LocalStack.stateDir().resolve("webhook-secret")).strip();
        this.readerToken = LocalStack.token("reader");
        this.repositoryPrefix = repositoryPrefix;
        this.random = new Random(seed);
    }

    /**
     * @param drainAtMost how long to wait, after the last notification, for the analysis stage to end every migration;
     *     what has not ended then is reported, the webhook's figures do not depend on it
     */
    Report run(int perSecond, int seconds, Duration drainAtMost) throws Exception {
        int total = perSecond * seconds;
        int unique = total / 2;
        List<Push> pushes = new ArrayList<>();
        for (int i = 0; i < unique; i++) {
            byte[] d = new byte[32];
            random.nextBytes(d);
            pushes.add(new Push(repositoryPrefix + "/r" + (i % 50), "t" + i, "sha256:" + HexFormat.of().formatHex(d),
                    new UUID(random.nextLong(), random.nextLong()).toString()));
        }
        // Each push twice: the second time 0.2 to 5 s later (a resend), never beyond the run.
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        TreeMap<Long, List<Push>> schedule = new TreeMap<>();
        for (int i = 0; i < unique; i++) {
            long first = (long) i * 2 * intervalNanos;
            long again = Math.min(first + TimeUnit.MILLISECONDS.toNanos(200 + random.nextInt(4800)),
                    TimeUnit.SECONDS.toNanos(seconds) - intervalNanos);
            schedule.computeIfAbsent(first, k -> new ArrayList<>()).add(pushes.get(i));
            schedule.computeIfAbsent(Math.max(again, first + intervalNanos), k -> new ArrayList<>()).add(pushes.get(i));
        }

        List<Long> webhookNanos = new CopyOnWriteArrayList<>();
        List<Long> statusNanos = new CopyOnWriteArrayList<>();
        Map<Integer, Integer> answers = new ConcurrentHashMap<>();
        List<String> startedIds = new CopyOnWriteArrayList<>();
        AtomicInteger resent = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        Map<String, Long> peakRss = new ConcurrentHashMap<>();
        Map<String, Long> peakHeap = new ConcurrentHashMap<>();
        AtomicInteger statusFailures = new AtomicInteger();
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(4);
        try {
            timers.scheduleAtFixedRate(() -> sampleMemory(peakRss), 0, 1, TimeUnit.SECONDS);
            timers.scheduleAtFixedRate(() -> sampleHeap(peakHeap), 0, 1, TimeUnit.SECONDS);
            // The status reader: one request every 50 ms, alternating a migration and the list.
            AtomicInteger reads = new AtomicInteger();
            timers.scheduleAtFixedRate(() -> readStatus(startedIds, reads.incrementAndGet(), statusNanos, statusFailures),
                    100, 50, TimeUnit.MILLISECONDS);

            long start = System.nanoTime();
            for (Map.Entry<Long, List<Push>> slot : schedule.entrySet()) {
                long wait = start + slot.getKey() - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                for (Push p : slot.getValue()) {
                    send(p, webhookNanos, answers, startedIds, resent, inFlight, timers, 0);
                }
            }
            long sendEnd = System.nanoTime();
            while (inFlight.get() > 0 && System.nanoTime() - sendEnd < TimeUnit.SECONDS.toNanos(120)) {
                Thread.sleep(100);
            }
            long lastNotification = System.nanoTime();
            String serverSide = serverSideTime();
            // The webhook's figures at once: what follows reads Kafka, which a busy machine may make fail.
            System.out.printf(Locale.ROOT, "%s: %d requests, answers %s, %d resent; latency %s; inside the service %s;"
                    + " status API %s%n", repositoryPrefix, webhookNanos.size(), new TreeMap<>(answers), resent.get(),
                    Latencies.of(webhookNanos), serverSide, Latencies.of(statusNanos));

            // Kafka is the record: every push has exactly one migration, whose analysis started once and ended.
            Set<String> wanted = pushes.stream().map(p -> p.repository() + "@" + p.digest()).collect(Collectors.toSet());
            long drainDeadline = System.nanoTime() + drainAtMost.toNanos();
            Map<String, List<MigrationEvent>> byMigration;
            int notEnded;
            int notEndedAtFirst = -1;
            while (true) {
                Map<String, List<MigrationEvent>> all = readEventLog().stream()
                        .collect(Collectors.groupingBy(MigrationEvent::migrationId));
                byMigration = all.entrySet().stream()
                        .filter(en -> en.getValue().stream().anyMatch(e -> e instanceof MigrationRequested r
                                && wanted.contains(r.repository() + "@" + r.digest())))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                notEnded = (int) byMigration.values().stream().filter(events -> events.stream()
                        .noneMatch(e -> e instanceof StageFailed f && f.stage() == Stage.ANALYZE)).count();
                if (notEndedAtFirst < 0) {
                    notEndedAtFirst = notEnded + Math.max(0, wanted.size() - byMigration.size());
                }
                if (notEnded == 0 && byMigration.size() >= wanted.size() || System.nanoTime() > drainDeadline) {
                    break;
                }
                Thread.sleep(2000);
            }
            Duration drain = Duration.ofNanos(System.nanoTime() - lastNotification);

            Map<String, Long> migrationsPerPush = byMigration.values().stream()
                    .flatMap(List::stream).filter(e -> e instanceof MigrationRequested)
                    .map(e -> (MigrationRequested) e)
                    .collect(Collectors.groupingBy(r -> r.repository() + "@" + r.digest(),
                            Collectors.mapping(MigrationRequested::migrationId, Collectors.collectingAndThen(Collectors.toSet(),
                                    s -> (long) s.size()))));
            int without = (int) wanted.stream().filter(w -> !migrationsPerPush.containsKey(w)).count();
            int several = (int) migrationsPerPush.values().stream().filter(n -> n > 1).count();
            int startedTwice = (int) byMigration.values().stream().filter(events -> events.stream()
                    .filter(e -> e instanceof StageStarted s && s.stage() == Stage.ANALYZE)
                    .map(MigrationEvent::eventId).distinct().count() > 1).count();
            return new Report(perSecond, seconds, total, unique, resent.get(), new TreeMap<>(answers),
                    Latencies.of(webhookNanos), Latencies.of(statusNanos), migrationsPerPush.size(), without, several,
                    startedTwice, notEnded, drain, Math.max(0, notEndedAtFirst - notEnded), new TreeMap<>(peakRss),
                    new TreeMap<>(peakHeap), statusFailures.get(), serverSide);
        } finally {
            timers.shutdownNow();
            senders.shutdownNow();
        }
    }

    /**
     * Sends one notification on the next free connection; on anything but 2xx, sends it again a second later, as the
     * registry would. The latency counts from the moment it was due, so time spent waiting for a connection counts.
     */
    private void send(Push p, List<Long> latencies, Map<Integer, Integer> answers, List<String> startedIds,
            AtomicInteger resent, AtomicInteger inFlight, ScheduledExecutorService timers, int attempt) {
        inFlight.incrementAndGet();
        long t0 = System.nanoTime();
        try {
            senders.execute(() -> sendNow(p, t0, latencies, answers, startedIds, resent, inFlight, timers, attempt));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            inFlight.decrementAndGet();  // the run is over
        }
    }

    private void sendNow(Push p, long t0, List<Long> latencies, Map<Integer, Integer> answers, List<String> startedIds,
            AtomicInteger resent, AtomicInteger inFlight, ScheduledExecutorService timers, int attempt) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(LocalStack.API + "/api/registry/events"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/vnd.docker.distribution.events.v1+json")
                .header("Authorization", "Bearer " + secret)
                .POST(HttpRequest.BodyPublishers.ofString(envelope(p), StandardCharsets.UTF_8)).build();
        int status = 0;  // no answer within the timeout, or the connection failed
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            status = r.statusCode();
            if (status == 202) {
                LocalStack.json(r).get("migrations").forEach(m -> startedIds.add(m.get("id").asText()));
            }
        } catch (IOException | AssertionError e) {
            // counted by its status
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        latencies.add(System.nanoTime() - t0);
        answers.merge(status, 1, Integer::sum);
        if ((status < 200 || status > 299) && attempt < 20) {
            resent.incrementAndGet();
            timers.schedule(() -> send(p, latencies, answers, startedIds, resent, inFlight, timers, attempt + 1), 1,
                    TimeUnit.SECONDS);
        }
        inFlight.decrementAndGet();
    }

    private void readStatus(List<String> ids, int n, List<Long> latencies, AtomicInteger failures) {
        String path = ids.isEmpty() || n % 2 == 0 ? "/api/migrations?limit=50"
                : "/api/migrations/" + ids.get(random.nextInt(ids.size()));
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(LocalStack.API + path))
                    .header("Authorization", "Bearer " + readerToken)
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                latencies.add(System.nanoTime() - t0);
            } else {
                failures.incrementAndGet();
            }
        } catch (IOException e) {
            // a lost read is not a latency, but it is counted
            failures.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The highest VmRSS seen per process of the stack. */
    static void sampleMemory(Map<String, Long> peak) {
        for (String name : SAMPLED) {
            try {
                Path pidFile = LocalStack.stateDir().resolve(SERVICES_PID_DIR).resolve(name + ".pid");
                String pid = Files.readString(pidFile).strip();
                for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                        peak.merge(name, kib, Math::max);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not running right now (a restart): nothing to sample
            }
        }
    }

    /** Every event in Kafka; asked again when the broker does not answer in time (a busy machine). */
    private static List<MigrationEvent> readEventLog() throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return EventLog.all(LocalStack.KAFKA);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (attempt == 3) {
                    throw e;
                }
                Thread.sleep(5000);
            }
        }
    }

    /**
     * What the analyzer's own metric says of the webhook requests: how many, their mean time and the largest, from
     * when Quarkus had the request to its answer (what the client adds, waiting for a connection, is not in it).
     */
    private String serverSideTime() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(LocalStack.API + "/q/metrics"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            double count = 0;
            double sum = 0;
            double max = 0;
            for (String l : r.body().lines().toList()) {
                if (!l.startsWith("http_server_requests_seconds") || !l.contains("uri=\"/api/registry/events\"")) {
                    continue;
                }
                double v = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                if (l.startsWith("http_server_requests_seconds_count")) {
                    count += v;
                } else if (l.startsWith("http_server_requests_seconds_sum")) {
                    sum += v;
                } else if (l.startsWith("http_server_requests_seconds_max")) {
                    max = Math.max(max, v);
                }
            }
            return count == 0 ? "not reported" : String.format(Locale.ROOT,
                    "mean %.1f ms (%d requests), largest of the last minutes %.1f ms", sum / count * 1000, (long) count,
                    max * 1000);
        } catch (IOException | RuntimeException e) {
            return "not read: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not read";
        }
    }

    /** The highest JVM heap in use per service, from its Micrometer metrics ({@code jvm_memory_used_bytes}). */
    private void sampleHeap(Map<String, Long> peak) {
        for (String name : SERVICES) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(LocalStack.service(name) + "/q/metrics"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                long used = r.body().lines()
                        .filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                if (used > 0) {
                    peak.merge(name, used, Math::max);
                }
            } catch (IOException | RuntimeException e) {
                // not answering right now: nothing to sample
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String envelope(Push p) {
        String id = p.eventId();
        return """
                {"events":[{"id":"%s","timestamp":"%s","action":"push",
                 "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":418,"digest":"%s","length":418,
                  "repository":"%s","url":"http://%s/v2/%s/manifests/%s","tag":"%s"},
                 "request":{"id":"%s","addr":"127.0.0.1:41972","host":"%s","method":"PUT","useragent":"load-harness/1.0"},
                 "actor":{},"source":{"addr":"load:5000","instanceID":"load-harness"}}]}"""
                .formatted(id, Instant.now(), p.digest(), p.repository(), LocalStack.REGISTRY, p.repository(), p.digest(),
                        p.tag(), id, LocalStack.REGISTRY);
    }
}
