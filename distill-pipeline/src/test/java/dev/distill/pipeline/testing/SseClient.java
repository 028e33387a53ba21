package dev.distill.pipeline.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A Server-Sent Events client as the HTML standard describes one (fields {@code id}, {@code event}, {@code data},
 * comments, events ended by a blank line), over the JDK's HTTP client, for tests against a real server. It reads on
 * its own thread and hands whole events over; {@link #close()} drops the connection as a client that goes away does.
 */
public final class SseClient implements AutoCloseable {

    /** One event as received. */
    public record Event(String id, String name, String data) {
    }

    private static final Event END = new Event(null, null, null);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile boolean ended;
    private final AtomicInteger comments = new AtomicInteger();

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-client");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Connects; the answer's status and headers are there at once ({@link #status()}), events as they come.
     *
     * @param headers extra request headers, e.g. {@code Authorization} or {@code Last-Event-ID}
     */
    public static SseClient connect(String url, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET();
        headers.forEach(request::header);
        return new SseClient(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    public int status() {
        return response.statusCode();
    }

    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String name = null;
            StringBuilder data = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, name == null ? "message" : name, data.toString()));
                    }
                    name = null;
                    data = null;
                    continue;
                }
                if (line.startsWith(":")) {
                    comments.incrementAndGet(); // a comment: a keep-alive
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                switch (field) {
                    case "id" -> id = value;
                    case "event" -> name = value;
                    case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    default -> { }
                }
            }
        } catch (IOException e) {
            // closed by us, or the server went away: either way the stream has ended
        } finally {
            ended = true;
            events.add(END);
        }
    }

    /** The next event, or null when the stream ended or nothing came within {@code timeout}. */
    public Event next(Duration timeout) throws InterruptedException {
        Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (e == END) {
            events.add(END);
            return null;
        }
        return e;
    }

    /** Events until one matches {@code last} (included); fails when the stream ends first or time runs out. */
    public List<Event> until(Predicate<Event> last, Duration timeout) throws InterruptedException {
        List<Event> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event e = left > 0 ? next(Duration.ofNanos(left)) : null;
            if (e == null) {
                throw new AssertionError("the stream " + (ended ? "ended" : "stayed quiet") + " before the expected event; got "
                        + seen);
            }
            seen.add(e);
            if (last.test(e)) {
                return seen;
            }
        }
    }

    /** How many comment lines (keep-alives) came so far. */
    public int comments() {
        return comments.get();
    }

    /** True once the server ended the stream (waits up to {@code timeout}). */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        reader.join(timeout.toMillis());
        return ended;
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // going away anyway
        }
        reader.interrupt();
    }
}
