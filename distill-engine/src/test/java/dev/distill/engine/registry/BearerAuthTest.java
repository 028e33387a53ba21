package dev.distill.engine.registry;

import static dev.distill.engine.registry.ProtocolTest.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.FakeRegistry.Reply;
import dev.distill.engine.registry.FakeRegistry.Seen;
import dev.distill.engine.testing.TinyImage;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The distribution token flow: a registry that answers 401 with a Bearer challenge, and its token server
 * (realm) that hands out tokens, anonymously or for Basic credentials. Both played by one scripted server.
 */
class BearerAuthTest {

    private static final TinyImage IMAGE = TinyImage.sample(Platform.LINUX_AMD64);
    private static final String TOKEN_PATH = "/token";

    private FakeRegistry server;
    private final Set<String> issued = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokenCount = new AtomicInteger();
    /** What the token server wants in Authorization; null accepts anonymous requests. */
    private volatile String requiredLogin;
    private volatile String tokenField = "token";

    @BeforeEach
    void start() throws IOException {
        server = new FakeRegistry();
        server.on("GET", TOKEN_PATH, this::token);
        server.serve("demo/app", "1", IMAGE);
        // Wrap every registry route: without a token it issued, the registry challenges.
        for (String path : new String[] {
                "/v2/demo/app/manifests/1", "/v2/demo/app/manifests/" + IMAGE.manifestDigest(),
                "/v2/demo/app/blobs/" + IMAGE.configDescriptor().digest(), "/v2/demo/app/blobs/" + IMAGE.layerDescriptor().digest()}) {
            server.on("GET", path, guarded(server.route("GET", path), "pull"));
        }
        server.on("PUT", "/v2/demo/app/manifests/2", guarded(seen -> new Reply(201,
                Map.of("Docker-Content-Digest", Digest.sha256(seen.body()).toString()), null), "pull,push"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Function<Seen, Reply> guarded(Function<Seen, Reply> inner, String actions) {
        return seen -> {
            String authorization = seen.header("Authorization");
            if (authorization != null && authorization.startsWith("Bearer ") && issued.contains(authorization.substring(7))) {
                return inner.apply(seen);
            }
            return Reply.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}")
                    .with("WWW-Authenticate", "Bearer realm=\"http://" + server.host() + TOKEN_PATH
                            + "\",service=\"fake-registry\",scope=\"repository:demo/app:" + actions + "\"");
        };
    }

    private Reply token(Seen seen) {
        if (requiredLogin != null && !requiredLogin.equals(seen.header("Authorization"))) {
            return Reply.json(401, "{\"details\":\"incorrect username or password\"}");
        }
        String token = "tok-" + tokenCount.incrementAndGet();
        issued.add(token);
        return Reply.json(200, "{\"" + tokenField + "\":\"" + token + "\",\"expires_in\":60}");
    }

    private ImageReference reference(String text) {
        return ImageReference.parse(server.host() + "/" + text);
    }

    private long tokenRequests() {
        return server.count("GET", TOKEN_PATH);
    }

    private long challenges() {
        return server.seen().stream().filter(s -> s.path().startsWith("/v2/") && s.header("Authorization") == null).count();
    }

    @Test
    void fetchesAnAnonymousTokenOnceAndReusesIt() throws Exception {
        RegistryClient client = RegistryClient.builder().build();

        assertThat(client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64).manifestDigest()).isEqualTo(IMAGE.manifestDigest());
        client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64);

        assertThat(tokenRequests()).isEqualTo(1);
        assertThat(challenges()).as("only the very first request goes without a token").isEqualTo(1);
        Seen tokenRequest = server.seen().stream().filter(s -> s.path().equals(TOKEN_PATH)).findFirst().orElseThrow();
        String query = URLDecoder.decode(tokenRequest.query(), StandardCharsets.UTF_8);
        assertThat(query).contains("service=fake-registry").contains("scope=repository:demo/app:pull");
        assertThat(tokenRequest.header("Authorization")).isNull();
    }

    @Test
    void sendsBasicCredentialsToTheTokenServerOnly() throws Exception {
        requiredLogin = "Basic " + Base64.getEncoder().encodeToString("robot:s3cret".getBytes(StandardCharsets.UTF_8));
        RegistryClient client = RegistryClient.builder()
                .credentials(RegistryCredentials.fromMap(Map.of(server.host(), new Credential("robot", "s3cret"))))
                .build();

        client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64);

        assertThat(server.seen()).filteredOn(s -> s.path().startsWith("/v2/"))
                .allSatisfy(s -> assertThat(String.valueOf(s.header("Authorization"))).doesNotStartWith("Basic"));
    }

    @Test
    void wrongPasswordAtTheTokenServerIsUnauthorizedWithoutLeakingIt() {
        requiredLogin = "Basic " + Base64.getEncoder().encodeToString("robot:s3cret".getBytes(StandardCharsets.UTF_8));
        RegistryClient client = RegistryClient.builder()
                .credentials(RegistryCredentials.fromMap(Map.of(server.host(), new Credential("robot", "WRONG-pass"))))
                .build();

        assertFails(() -> client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64), RegistryException.Kind.UNAUTHORIZED,
                "token server http://" + server.host() + TOKEN_PATH, "rejected the credentials configured for " + server.host());
        assertThatThrownBy(() -> client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("WRONG-pass"));
    }

    @Test
    void anonymousRefusalSuggestsConfiguringCredentials() {
        requiredLogin = "Basic something";

        assertFails(() -> RegistryClient.builder().build().resolve(reference("demo/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNAUTHORIZED, "refused an anonymous token", "configure credentials for " + server.host());
    }

    @Test
    void registryRefusingItsOwnTokenIsUnauthorized() {
        server.on("GET", "/v2/demo/app/manifests/3", seen -> Reply.json(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"nope\"}]}")
                .with("WWW-Authenticate", "Bearer realm=\"http://" + server.host() + TOKEN_PATH + "\",service=\"fake-registry\""));

        assertFails(() -> RegistryClient.builder().build().resolve(reference("demo/app:3"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNAUTHORIZED, "refused the anonymous token for repository:demo/app:pull");
    }

    @Test
    void expiredTokensAreFetchedAgain() throws Exception {
        MutableClock clock = new MutableClock();
        RegistryClient client = RegistryClient.builder().clock(clock).build();

        client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64);
        clock.advance(Duration.ofSeconds(30));
        client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64);
        assertThat(tokenRequests()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(31));
        client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64);
        assertThat(tokenRequests()).isEqualTo(2);
    }

    @Test
    void pushesAskForPushScope() throws Exception {
        RegistryClient client = RegistryClient.builder().build();

        Digest digest = client.pushManifest(reference("demo/app:2"), IMAGE.manifestMediaType(), IMAGE.manifest());

        assertThat(digest).isEqualTo(IMAGE.manifestDigest());
        Seen tokenRequest = server.seen().stream().filter(s -> s.path().equals(TOKEN_PATH)).findFirst().orElseThrow();
        assertThat(URLDecoder.decode(tokenRequest.query(), StandardCharsets.UTF_8)).contains("scope=repository:demo/app:pull,push");
    }

    @Test
    void acceptsOAuthStyleAccessToken() throws Exception {
        tokenField = "access_token";

        assertThat(RegistryClient.builder().build().resolve(reference("demo/app:1"), Platform.LINUX_AMD64).manifestDigest())
                .isEqualTo(IMAGE.manifestDigest());
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
