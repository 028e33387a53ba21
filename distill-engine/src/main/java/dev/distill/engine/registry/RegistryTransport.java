package dev.distill.engine.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.budget.Activity;
import dev.distill.engine.budget.Budget;
import dev.distill.engine.image.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * HTTP to registries: picks HTTP or HTTPS, answers authentication challenges (Basic, and Bearer through the
 * registry's token server), follows redirects of downloads, and turns transport failures into
 * {@link RegistryException}s that name the registry. Status codes other than 401 are left to the caller.
 */
final class RegistryTransport {

    private static final System.Logger LOG = System.getLogger(RegistryTransport.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(?:\\.[0-9]{1,3}){3}");
    private static final int MAX_REDIRECTS = 5;
    private static final Set<String> DOCKER_HUB_ALIASES = Set.of("docker.io", "index.docker.io");

    /**
     * One request to a registry.
     *
     * @param body null for none
     * @param scopes the token scopes the request needs, e.g. {@code repository:demo/app:pull}
     */
    record Request(String method, String registry, URI uri, Map<String, String> headers, HttpRequest.BodyPublisher body,
                   Duration timeout, List<String> scopes) {
    }

    private final HttpClient http;
    private final RegistryCredentials credentials;
    private final Set<String> insecureRegistries;
    private final TransferLimits limits;
    private final TransferGuard.Watchdog watchdog;
    private final String userAgent;
    private final TokenCache tokens;
    /** The last challenge each registry sent, so later requests authenticate up front instead of after a 401. */
    private final ConcurrentMap<String, AuthChallenge> challenges = new ConcurrentHashMap<>();

    RegistryTransport(RegistryCredentials credentials, Set<String> insecureRegistries, TransferLimits limits,
                      String userAgent, Clock clock) {
        this.credentials = credentials;
        this.insecureRegistries = Set.copyOf(insecureRegistries);
        this.limits = limits;
        this.watchdog = new TransferGuard.Watchdog(limits);
        this.userAgent = userAgent;
        this.tokens = new TokenCache(clock);
        // Redirects are followed by hand: the JDK would forward the registry's Authorization header to blob
        // storage on another host, which leaks the token and makes pre-signed storage URLs fail.
        this.http = HttpClient.newBuilder()
                .connectTimeout(limits.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(ProxySelector.getDefault())
                .build();
    }

    TransferLimits limits() {
        return limits;
    }


    /** Bodies being read right now (for tests: an abandoned transfer must not stay open). */
    int openTransfers() {
        return watchdog.openTransfers();
    }

    /** {@code http(s)://host/<path>} for a registry as named in image references. */
    URI uri(String registry, String pathAndQuery) {
        return URI.create((usesPlainHttp(registry) ? "http" : "https") + "://" + apiHost(registry) + pathAndQuery);
    }

    /** Loopback registries and the configured insecure ones speak plain HTTP; everything else HTTPS. */
    boolean usesPlainHttp(String registry) {
        String host = hostOf(registry);
        return host.equals("localhost") || host.equals("[::1]") || LOOPBACK_V4.matcher(host).matches()
                || insecureRegistries.contains(registry) || insecureRegistries.contains(host);
    }

    /** Docker Hub's API is not served under the names people write in references. */
    static String apiHost(String registry) {
        return DOCKER_HUB_ALIASES.contains(registry) ? ImageReference.DOCKER_HUB : registry;
    }

    static String hostOf(String registry) {
        if (registry.startsWith("[")) {
            return registry.substring(0, registry.indexOf(']') + 1);
        }
        int colon = registry.indexOf(':');
        return colon < 0 ? registry : registry.substring(0, colon);
    }

    static String pullScope(ImageReference repository) {
        return "repository:" + repository.repository() + ":pull";
    }

    static String pushScope(ImageReference repository) {
        return "repository:" + repository.repository() + ":pull,push";
    }

    /**
     * Sends a request, authenticating as the registry demands; GET and HEAD follow redirects. The caller
     * owns the returned response and must consume or close its body.
     */
    HttpResponse<InputStream> send(Request request) throws RegistryException {
        String authorization = authorizationKnownFor(request);
        for (int attempt = 0; ; attempt++) {
            HttpResponse<InputStream> response = exchangeFollowingRedirects(request, authorization);
            if (response.statusCode() != 401) {
                return response;
            }
            List<AuthChallenge> offered = AuthChallenge.parse(response.headers().allValues("WWW-Authenticate"));
            ErrorBody error = ErrorBody.read(response);
            if (attempt > 0 || offered.isEmpty()) {
                throw refused(request, authorization, error);
            }
            AuthChallenge challenge = offered.get(0);
            challenges.put(request.registry(), challenge);
            authorization = answer(request, challenge, authorization, error);
        }
    }

    /** Closes a response whose body is of no interest, returning the connection to the pool. */
    static void discard(HttpResponse<InputStream> response) {
        try (InputStream ignored = response.body()) {
            // closing is the point
        } catch (IOException e) {
            // Nothing useful to do: the connection is dropped instead of reused.
        }
    }

    private String authorizationKnownFor(Request request) throws RegistryException {
        AuthChallenge known = challenges.get(request.registry());
        if (known == null) {
            return null;
        }
        Optional<Credential> credential = credentials.forRegistry(request.registry());
        if (known.isBasic()) {
            return credential.map(RegistryTransport::basic).orElse(null);
        }
        if (known.isBearer()) {
            // The challenge's own scopes were for whatever request drew it; ask only for this request's.
            return "Bearer " + token(request, known, credential, false);
        }
        return null;
    }

    private String answer(Request request, AuthChallenge challenge, String previous, ErrorBody error) throws RegistryException {
        Optional<Credential> credential = credentials.forRegistry(request.registry());
        if (challenge.isBearer()) {
            // A cached token the registry no longer accepts (revoked, clock skew) is replaced once.
            tokens.remove(TokenCache.key(request.registry(), request.scopes()));
            return "Bearer " + token(request, challenge, credential, true);
        }
        if (challenge.isBasic()) {
            if (credential.isEmpty()) {
                throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, "registry " + request.registry()
                        + " requires a login (" + challenge.describe() + ") and no credentials are configured for it");
            }
            if (previous != null && previous.startsWith("Basic ")) {
                throw refused(request, previous, error);
            }
            return basic(credential.get());
        }
        throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, "registry " + request.registry()
                + " asks for authentication scheme '" + challenge.scheme() + "', which is not supported (only Basic and Bearer are)");
    }

    private RegistryException refused(Request request, String authorization, ErrorBody error) {
        String registry = request.registry();
        String scopes = String.join(" ", request.scopes());
        boolean hasCredential = credentials.forRegistry(registry).isPresent();
        String message;
        if (authorization == null) {
            message = "registry " + registry + " refused anonymous access to " + scopes
                    + (hasCredential ? "" : "; configure credentials for " + registry);
        } else if (authorization.startsWith("Basic ")) {
            message = "registry " + registry + " rejected the credentials configured for it";
        } else if (hasCredential) {
            message = "registry " + registry + " refused the token issued with the configured credentials for " + scopes;
        } else {
            message = "registry " + registry + " refused the anonymous token for " + scopes + "; configure credentials for " + registry;
        }
        return new RegistryException(RegistryException.Kind.UNAUTHORIZED, message + error.inParentheses());
    }

    private String token(Request request, AuthChallenge challenge, Optional<Credential> credential, boolean withChallengeScopes)
            throws RegistryException {
        String key = TokenCache.key(request.registry(), request.scopes());
        Optional<String> cached = tokens.get(key);
        if (cached.isPresent()) {
            return cached.get();
        }
        Set<String> scopes = new LinkedHashSet<>(withChallengeScopes ? challenge.scopes() : List.of());
        scopes.addAll(request.scopes());
        String realm = challenge.realm();
        StringBuilder query = new StringBuilder();
        if (challenge.params().containsKey("service")) {
            query.append("service=").append(encode(challenge.params().get("service")));
        }
        for (String scope : scopes) {
            query.append(query.length() == 0 ? "" : "&").append("scope=").append(encode(scope));
        }
        URI uri;
        try {
            uri = URI.create(realm + (query.length() == 0 ? "" : (realm.contains("?") ? "&" : "?") + query));
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, "registry " + request.registry()
                    + " names a token server that is not a valid URL: '" + realm + "'", e);
        }
        String server = "token server " + withoutQuery(uri) + " of registry " + request.registry();
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).GET().timeout(limits.responseTimeout())
                .header("User-Agent", userAgent).header("Accept", "application/json");
        credential.ifPresent(c -> builder.header("Authorization", basic(c)));
        HttpResponse<InputStream> response = sendRaw(builder, uri, server);
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            ErrorBody error = ErrorBody.read(response);
            throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, credential.isPresent()
                    ? server + " rejected the credentials configured for " + request.registry() + error.inParentheses()
                    : server + " refused an anonymous token for " + String.join(" ", scopes) + "; configure credentials for "
                    + request.registry() + error.inParentheses());
        }
        if (status != 200) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, server + " answered HTTP " + status
                    + " to a token request" + ErrorBody.read(response).inParentheses());
        }
        JsonNode answer;
        try (InputStream in = response.body()) {
            answer = JSON.readTree(in.readNBytes(1024 * 1024));
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, server + " sent a token response that is not JSON: "
                    + e.getMessage(), e);
        }
        // The token spec names it "token"; OAuth2-style servers send "access_token".
        String token = answer.path("token").asText(answer.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, server + " sent a token response without a token");
        }
        long expiresIn = answer.path("expires_in").asLong(TokenCache.DEFAULT_LIFETIME.toSeconds());
        tokens.put(key, token, Duration.ofSeconds(expiresIn));
        return token;
    }

    private HttpResponse<InputStream> exchangeFollowingRedirects(Request request, String authorization) throws RegistryException {
        boolean follow = request.method().equals("GET") || request.method().equals("HEAD");
        URI uri = request.uri();
        String registryAuthority = apiHost(request.registry());
        for (int hops = 0; ; hops++) {
            // Credentials go to the registry's own host only, never to blob storage or an upload host elsewhere.
            boolean toRegistry = registryAuthority.equalsIgnoreCase(uri.getRawAuthority());
            HttpResponse<InputStream> response = exchange(request, uri, toRegistry ? authorization : null);
            int status = response.statusCode();
            Optional<String> location = response.headers().firstValue("Location");
            if (!follow || !(status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
                    || location.isEmpty()) {
                return response;
            }
            discard(response);
            if (hops == MAX_REDIRECTS) {
                throw new RegistryException(RegistryException.Kind.PROTOCOL, "registry " + request.registry()
                        + " redirected " + request.method() + " " + request.uri().getPath() + " more than " + MAX_REDIRECTS + " times");
            }
            try {
                uri = uri.resolve(location.get());
            } catch (IllegalArgumentException e) {
                throw new RegistryException(RegistryException.Kind.PROTOCOL, "registry " + request.registry()
                        + " redirected to an invalid location '" + location.get() + "'", e);
            }
        }
    }

    private HttpResponse<InputStream> exchange(Request request, URI uri, String authorization) throws RegistryException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(request.timeout() == null ? limits.responseTimeout() : request.timeout())
                .header("User-Agent", userAgent)
                .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody() : request.body());
        request.headers().forEach(builder::header);
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        String who = "registry " + request.registry();
        if (!apiHost(request.registry()).equalsIgnoreCase(uri.getRawAuthority())) {
            who += " (at " + uri.getRawAuthority() + ")";
        }
        long started = System.nanoTime();
        HttpResponse<InputStream> response = sendRaw(builder, uri, who);
        // With the time to the answer's headers: where a push's time goes (docs/benchmarks.md reads these lines).
        LOG.log(System.Logger.Level.DEBUG, () -> request.method() + " " + withoutQuery(uri) + " -> " + response.statusCode()
                + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        return response;
    }

    private HttpResponse<InputStream> sendRaw(HttpRequest.Builder builder, URI uri, String who) throws RegistryException {
        if ("http".equals(uri.getScheme())) {
            // No h2c upgrade dance on plain HTTP: registries speak HTTP/1.1 there.
            builder.version(HttpClient.Version.HTTP_1_1);
        }
        HttpRequest built = builder.build();
        // Asynchronous, so that the work's budget can cancel a request still waiting for its answer (or sending its
        // body): cancelling the future closes the connection.
        CompletableFuture<HttpResponse<InputStream>> answer = http.sendAsync(built, HttpResponse.BodyHandlers.ofInputStream());
        PendingRequest pending = new PendingRequest(answer, built.method() + " " + withoutQuery(uri));
        Budget budget = Budget.current();
        try (Budget.Tracking ignored = budget.track(pending)) {
            HttpResponse<InputStream> response = answer.get();
            // Every body is read under the transfer limits and this work's budget, whoever reads it.
            long size = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            return new GuardedResponse(response, new TransferGuard(response.body(),
                    built.method() + " " + withoutQuery(uri), size, limits, watchdog, budget));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (pending.abortedBecause != null || cause instanceof CancellationException) {
                throw new RegistryException(RegistryException.Kind.UNREACHABLE, "gave up waiting for " + who + " ("
                        + pending.what + "): " + pending.abortedBecause, cause);
            }
            Duration timeout = built.timeout().orElse(limits.responseTimeout());
            if (cause instanceof IOException io) {
                throw failure(who, io, timeout);
            }
            if (cause instanceof UncheckedIOException unchecked) {
                throw failure(who, unchecked.getCause(), timeout);
            }
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, who + " is unreachable: " + cause, cause);
        } catch (CancellationException e) {
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, "gave up waiting for " + who + " ("
                    + pending.what + "): " + pending.abortedBecause, e);
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, "interrupted while waiting for " + who, e);
        }
    }

    /** A request waiting for its answer, which a spent budget cancels. */
    private static final class PendingRequest implements Activity {
        private final CompletableFuture<?> answer;
        private final String what;
        private final long started = System.nanoTime();
        private volatile String abortedBecause;

        PendingRequest(CompletableFuture<?> answer, String what) {
            this.answer = answer;
            this.what = what;
        }

        @Override
        public String describe() {
            return "waiting " + Budget.format(Duration.ofNanos(System.nanoTime() - started)) + " for the answer to " + what;
        }

        @Override
        public void abort(String reason) {
            abortedBecause = reason;
            answer.cancel(true);
        }
    }

    /** Says what broke in words a person can act on; the exception chain stays attached as the cause. */
    private RegistryException failure(String who, IOException e, Duration timeout) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DigestMismatchException mismatch) {
                return new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, mismatch.getMessage(), e);
            }
            if (t instanceof UploadSourceException source) {
                throw new UncheckedIOException(source.getMessage(), source);
            }
        }
        String reason;
        if (e instanceof HttpConnectTimeoutException) {
            reason = "no connection within " + seconds(limits.connectTimeout());
        } else if (e instanceof HttpTimeoutException) {
            reason = "no answer within " + seconds(timeout);
        } else if (hasCause(e, UnresolvedAddressException.class) || hasCause(e, UnknownHostException.class)) {
            reason = "unknown host (DNS lookup failed)";
        } else if (hasCause(e, SSLException.class)) {
            reason = "TLS failed (" + rootMessage(e) + "); if it serves plain HTTP, configure it as an insecure registry";
        } else if (e instanceof ConnectException || hasCause(e, ConnectException.class)) {
            // The JDK reports a refused connection as a ConnectException without any message.
            String message = rootMessage(e);
            reason = !hasMessage(e) || message.toLowerCase(Locale.ROOT).contains("refused") ? "connection refused" : message;
        } else {
            reason = rootMessage(e);
        }
        return new RegistryException(RegistryException.Kind.UNREACHABLE, who + " is unreachable: " + reason, e);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                messages.add(t.getMessage());
            }
        }
        return messages.isEmpty() ? e.getClass().getSimpleName() : messages.get(messages.size() - 1);
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }

    private static String basic(Credential credential) {
        String pair = credential.username() + ":" + credential.password();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Query strings can carry signatures and upload state: messages and logs show the path only. */
    static String withoutQuery(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
