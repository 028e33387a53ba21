package dev.distill.engine.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.distill.engine.testing.TinyImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A scripted HTTP server on a loopback port for protocol tests the real registry cannot play: wrong digests,
 * token servers, redirects, odd media types. Unscripted requests get the registry's 404 error body.
 */
final class FakeRegistry implements AutoCloseable {

    /** A request as the server saw it; header names in lower case. */
    record Seen(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase());
            return values == null ? null : values.get(0);
        }
    }

    /** What to answer. */
    record Reply(int status, Map<String, String> headers, byte[] body) {
        static Reply of(int status, String contentType, byte[] body) {
            return new Reply(status, contentType == null ? Map.of() : Map.of("Content-Type", contentType), body);
        }

        static Reply json(int status, String json) {
            return of(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }

        Reply with(String header, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(header, value);
            return new Reply(status, more, body);
        }
    }

    private final HttpServer server;
    private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Function<Seen, Reply>> routes = Collections.synchronizedMap(new LinkedHashMap<>());

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers {@code METHOD path} (path without query) with the function's reply. */
    FakeRegistry on(String method, String path, Function<Seen, Reply> reply) {
        routes.put(method + " " + path, reply);
        return this;
    }

    /** The route registered for {@code METHOD path}, to wrap it. */
    Function<Seen, Reply> route(String method, String path) {
        Function<Seen, Reply> route = routes.get(method + " " + path);
        if (route == null) {
            throw new IllegalArgumentException("no route for " + method + " " + path);
        }
        return route;
    }

    FakeRegistry on(String method, String path, Reply reply) {
        return on(method, path, request -> reply);
    }

    /** Serves the image's manifest (by tag and digest), config and layer the way a registry does. */
    FakeRegistry serve(String repository, String tag, TinyImage image) {
        Reply manifest = Reply.of(200, image.manifestMediaType(), image.manifest())
                .with("Docker-Content-Digest", image.manifestDigest().toString());
        on("GET", "/v2/" + repository + "/manifests/" + tag, manifest);
        on("GET", "/v2/" + repository + "/manifests/" + image.manifestDigest(), manifest);
        on("HEAD", "/v2/" + repository + "/manifests/" + tag, manifest);
        on("GET", "/v2/" + repository + "/blobs/" + image.configDescriptor().digest(),
                Reply.of(200, "application/octet-stream", image.config()));
        on("GET", "/v2/" + repository + "/blobs/" + image.layerDescriptor().digest(),
                Reply.of(200, "application/octet-stream", image.layer()));
        return this;
    }

    List<Seen> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    long count(String method, String path) {
        return seen().stream().filter(s -> s.method().equals(method) && s.path().equals(path)).count();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), List.copyOf(values)));
            Seen request = new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), headers, body);
            seen.add(request);
            Function<Seen, Reply> route = routes.get(request.method() + " " + request.path());
            Reply reply = route != null ? route.apply(request)
                    : Reply.json(404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}");
            reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            boolean noBody = request.method().equals("HEAD") || reply.body() == null || reply.body().length == 0;
            if (request.method().equals("HEAD") && reply.body() != null) {
                exchange.getResponseHeaders().add("Content-Length", String.valueOf(reply.body().length));
            }
            exchange.sendResponseHeaders(reply.status(), noBody ? -1 : reply.body().length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(reply.body());
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
