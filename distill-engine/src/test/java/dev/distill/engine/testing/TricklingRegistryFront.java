package dev.distill.engine.testing;

import dev.distill.engine.image.Digest;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry that is slow on purpose: an HTTP front on a free loopback port that passes every request through to a
 * real registry, except the blobs it was told to trickle, which it serves at a few bytes per second (or not at all
 * after the headers). What a slow or hostile registry does to its clients, for tests that a transfer is bounded and
 * that one slow image does not hold up the others. It counts the trickled answers still being sent and those the
 * client hung up on, so a test can see that an abandoned transfer really closed its connection.
 *
 * <pre>{@code
 * try (TricklingRegistryFront front = TricklingRegistryFront.start(registry.host())) {
 *     front.trickle(layerDigest, 1);   // 1 byte per second
 *     client.openBlob(ImageReference.parse(front.host() + "/demo/app"), layer) ...
 * }
 * }</pre>
 */
public final class TricklingRegistryFront implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "content-length",
            "upgrade", "te", "trailer", "proxy-authenticate", "proxy-authorization", "host");

    private final String upstream;
    private final ServerSocket server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Bytes per second per digest; 0 = headers, then silence. */
    private final Map<String, Integer> slow = new ConcurrentHashMap<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger trickling = new AtomicInteger();
    private final AtomicInteger abandoned = new AtomicInteger();
    private final AtomicInteger trickled = new AtomicInteger();
    private volatile boolean closed;

    private TricklingRegistryFront(String upstream, ServerSocket server) {
        this.upstream = upstream;
        this.server = server;
        Thread acceptor = new Thread(this::accept, "trickling-front-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A front for the registry at {@code upstream} ({@code host:port}, plain HTTP). */
    public static TricklingRegistryFront start(String upstream) throws IOException {
        return new TricklingRegistryFront(upstream, new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    }

    /** {@code 127.0.0.1:port}: use it as the registry of an image reference. */
    public String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Serves this blob at {@code bytesPerSecond}; called again, changes the rate of a transfer under way. */
    public TricklingRegistryFront trickle(Digest blob, int bytesPerSecond) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("bytes per second must be at least 1, got " + bytesPerSecond);
        }
        slow.put(blob.toString(), bytesPerSecond);
        return this;
    }

    /** Sends this blob's headers, then nothing. */
    public TricklingRegistryFront stall(Digest blob) {
        slow.put(blob.toString(), 0);
        return this;
    }

    /** Slow answers being sent right now. */
    public int tricklesInProgress() {
        return trickling.get();
    }

    /** Slow answers started so far. */
    public int tricklesStarted() {
        return trickled.get();
    }

    /** Slow answers whose client closed the connection before the end. */
    public int tricklesAbandoned() {
        return abandoned.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.add(s);
                Thread t = new Thread(() -> serve(s), "trickling-front-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream()); OutputStream out = socket.getOutputStream()) {
            while (!closed) {
                String requestLine = line(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                String[] parts = requestLine.split(" ");
                String method = parts[0];
                String target = parts[1];
                List<String[]> headers = new ArrayList<>();
                long length = 0;
                for (String h; (h = line(in)) != null && !h.isEmpty(); ) {
                    int colon = h.indexOf(':');
                    String name = h.substring(0, colon).trim();
                    String value = h.substring(colon + 1).trim();
                    if (name.equalsIgnoreCase("content-length")) {
                        length = Long.parseLong(value);
                    } else if (name.equalsIgnoreCase("transfer-encoding")) {
                        write(out, 501, "chunked request bodies are not supported by this test front", List.of());
                        return;
                    }
                    headers.add(new String[] {name, value});
                }
                byte[] body = in.readNBytes((int) length);
                Integer rate = slowRate(method, target);
                HttpResponse<byte[]> answer = forward(method, target, headers, body);
                if (rate != null && answer.statusCode() == 200) {
                    trickle(socket, out, answer, rate);
                    return;  // a trickled connection is never reused
                }
                List<String[]> outHeaders = new ArrayList<>();
                answer.headers().map().forEach((name, values) -> {
                    if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                        values.forEach(v -> outHeaders.add(new String[] {name, v}));
                    }
                });
                if (method.equals("HEAD")) {
                    answer.headers().firstValue("Content-Length").ifPresent(v -> outHeaders.add(new String[] {"Content-Length", v}));
                    writeHead(out, answer.statusCode(), outHeaders);
                } else {
                    outHeaders.add(new String[] {"Content-Length", String.valueOf(answer.body().length)});
                    writeHead(out, answer.statusCode(), outHeaders);
                    out.write(answer.body());
                }
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // The client went away, or the front is closing.
        } finally {
            connections.remove(socket);
        }
    }

    private Integer slowRate(String method, String target) {
        if (!method.equals("GET")) {
            return null;
        }
        int at = target.indexOf("/blobs/");
        if (at < 0) {
            return null;
        }
        String digest = target.substring(at + "/blobs/".length());
        int query = digest.indexOf('?');
        return slow.get(query < 0 ? digest : digest.substring(0, query));
    }

    private HttpResponse<byte[]> forward(String method, String target, List<String[]> headers, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + upstream + target)).timeout(Duration.ofSeconds(60))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (String[] h : headers) {
            if (!HOP_BY_HOP.contains(h[0].toLowerCase(Locale.ROOT))) {
                b.header(h[0], h[1]);
            }
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private void trickle(Socket socket, OutputStream out, HttpResponse<byte[]> answer, int rate) throws InterruptedException {
        trickled.incrementAndGet();
        trickling.incrementAndGet();
        try {
            byte[] content = answer.body();
            List<String[]> headers = new ArrayList<>();
            headers.add(new String[] {"Content-Length", String.valueOf(content.length)});
            answer.headers().firstValue("Docker-Content-Digest").ifPresent(d -> headers.add(new String[] {"Docker-Content-Digest", d}));
            headers.add(new String[] {"Content-Type", "application/octet-stream"});
            writeHead(out, 200, headers);
            out.flush();
            if (rate == 0) {
                while (!closed) {
                    Thread.sleep(200);
                    if (peerClosed(socket)) {
                        abandoned.incrementAndGet();
                        return;
                    }
                }
                return;
            }
            // The rate is read again as it goes, so a test can slow a transfer down (or speed it up) midway.
            String digest = answer.request().uri().getPath().replaceAll(".*/blobs/", "");
            int i = 0;
            while (i < content.length && !closed) {
                int now = Math.max(1, slow.getOrDefault(digest, rate));
                int chunk = now >= 100 ? now / 100 : 1;
                long pause = now >= 100 ? 10 : 1000 / now;
                int n = Math.min(chunk, content.length - i);
                out.write(content, i, n);
                out.flush();
                i += n;
                Thread.sleep(pause);
            }
        } catch (SocketException e) {
            abandoned.incrementAndGet();
        } catch (IOException e) {
            abandoned.incrementAndGet();
        } finally {
            trickling.decrementAndGet();
        }
    }

    /** Whether the client closed its end: its socket then reads end of stream (it sends nothing else). */
    private static boolean peerClosed(Socket socket) {
        try {
            socket.setSoTimeout(1);
            try {
                return socket.getInputStream().read() < 0;
            } catch (java.net.SocketTimeoutException e) {
                return false;
            } finally {
                socket.setSoTimeout(0);
            }
        } catch (IOException e) {
            return true;
        }
    }

    private static void write(OutputStream out, int status, String text, List<String[]> headers) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        List<String[]> all = new ArrayList<>(headers);
        all.add(new String[] {"Content-Length", String.valueOf(body.length)});
        writeHead(out, status, all);
        out.write(body);
        out.flush();
    }

    private static void writeHead(OutputStream out, int status, List<String[]> headers) throws IOException {
        StringBuilder b = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        for (String[] h : headers) {
            b.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        b.append("\r\n");
        out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 307 -> "Temporary Redirect";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            default -> "Status";
        };
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
