package dev.distill.engine.registry;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A client for the OCI distribution API. Everything it returns has been checked against its digest; every
 * failure is a {@link RegistryException} whose kind says what went wrong and whose message names the
 * registry or image. Safe to share between threads; tokens are cached per registry and scope.
 *
 * <p>Registries on loopback addresses and those configured as insecure are spoken to over plain HTTP,
 * all others over HTTPS.
 */
public final class RegistryClient {

    public static final long DEFAULT_MAX_MANIFEST_BYTES = 4L * 1024 * 1024;

    private static final String ACCEPT_MANIFESTS = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);

    private record FetchedManifest(String mediaType, byte[] body, Digest digest) {
    }

    /** A parse step that reports what is wrong with an IllegalArgumentException. */
    @FunctionalInterface
    private interface Parse<T> {
        T run();
    }

    private final RegistryTransport transport;
    private final long maxManifestBytes;
    private final String userAgent;
    private final Set<String> insecureRegistries;
    private final TransferListener transfers;

    private RegistryClient(Builder builder) {
        this.transport = new RegistryTransport(builder.credentials, builder.insecureRegistries, builder.limits,
                builder.userAgent, builder.clock);
        this.maxManifestBytes = builder.maxManifestBytes;
        this.userAgent = builder.userAgent;
        this.insecureRegistries = Set.copyOf(builder.insecureRegistries);
        this.transfers = builder.transfers;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String userAgent() {
        return userAgent;
    }

    /**
     * Resolves a reference to one platform's image: fetches the manifest (choosing the platform's entry when
     * the reference names an index), then the config, verifying each against its digest.
     *
     * @throws RegistryException NOT_FOUND for an unknown repository or tag, PLATFORM_NOT_FOUND when the image
     *     has no such platform, UNSUPPORTED_MEDIA_TYPE for schema 1, artifacts and unknown formats,
     *     DIGEST_MISMATCH when content does not match its digest, and the transport kinds
     */
    public ResolvedImage resolve(ImageReference reference, Platform platform) throws RegistryException {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(platform, "platform");
        FetchedManifest top = fetchManifest(reference, reference.manifestReference(), reference.digest(), "image " + reference);
        if (MediaTypes.isManifest(top.mediaType())) {
            return image(reference, top, top.digest(), null, platform);
        }
        List<Descriptor> entries = parse(() -> ManifestJson.indexEntries(top.body()), "index of image " + reference);
        Descriptor chosen = choose(entries, platform).orElseThrow(() -> platformNotFound(reference, platform, entries));
        String what = "manifest " + chosen.digest() + " (" + chosen.platform() + ") of image " + reference;
        FetchedManifest child = fetchManifest(reference, chosen.digest().toString(), chosen.digest(), what);
        if (child.body().length != chosen.size()) {
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, what + " has " + child.body().length
                    + " bytes, but the index says " + chosen.size());
        }
        if (!MediaTypes.isManifest(child.mediaType())) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, what + " has media type "
                    + child.mediaType() + "; an index entry must be an image manifest (" + MediaTypes.OCI_MANIFEST
                    + " or " + MediaTypes.DOCKER_MANIFEST + ")");
        }
        return image(reference, child, top.digest(), chosen.platform(), platform);
    }

    /**
     * The digest the reference currently points at (an index or a manifest), from a HEAD request; when the
     * registry does not send {@code Docker-Content-Digest}, from the fetched manifest itself.
     */
    public Digest headDigest(ImageReference reference) throws RegistryException {
        Objects.requireNonNull(reference, "reference");
        String what = "image " + reference;
        HttpResponse<InputStream> response = transport.send(request("HEAD", reference,
                manifestUri(reference, reference.manifestReference()), Map.of("Accept", ACCEPT_MANIFESTS), null, null,
                List.of(RegistryTransport.pullScope(reference))));
        if (response.statusCode() != 200) {
            throw unexpected(response, reference.registry(), what);
        }
        RegistryTransport.discard(response);
        Optional<String> announced = response.headers().firstValue("Docker-Content-Digest");
        if (announced.isPresent()) {
            return announcedDigest(announced.get(), what, reference.registry());
        }
        return fetchManifest(reference, reference.manifestReference(), reference.digest(), what).digest();
    }

    /**
     * Streams a blob. The stream checks the digest (and the {@code Content-Length}, when sent) as it reaches its
     * end and throws {@link DigestMismatchException} from that read when they do not match. Closing it checks
     * too when at most 64 KiB are left unread, which covers readers such as {@code GZIPInputStream} that stop at
     * the gzip trailer; content abandoned earlier is not checked.
     *
     * @param repository the repository holding the blob; its tag or digest is ignored
     */
    public InputStream openBlob(ImageReference repository, Digest digest) throws RegistryException {
        return openBlob(repository, digest, -1);
    }

    /** Streams the blob a descriptor names, verifying its size as well as its digest. */
    public InputStream openBlob(ImageReference repository, Descriptor blob) throws RegistryException {
        Objects.requireNonNull(blob, "blob");
        return openBlob(repository, blob.digest(), blob.size());
    }

    /** Whether the repository already has the blob, so a push can skip it. */
    public boolean blobExists(ImageReference repository, Digest digest) throws RegistryException {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(digest, "digest");
        HttpResponse<InputStream> response = transport.send(request("HEAD", repository, blobUri(repository, digest),
                Map.of(), null, null, List.of(RegistryTransport.pullScope(repository))));
        int status = response.statusCode();
        if (status == 200) {
            RegistryTransport.discard(response);
            return true;
        }
        if (status == 404) {
            RegistryTransport.discard(response);
            return false;
        }
        throw unexpected(response, repository.registry(), "blob " + digest + " of " + repository.repositoryLocation());
    }

    /**
     * Uploads a blob in one request (POST to start the upload, then a monolithic PUT with the digest). It does
     * not check whether the blob exists already; {@link #blobExists} does.
     *
     * @param content opens the content; called again if the upload must be repeated after an authentication challenge
     * @throws RegistryException DIGEST_MISMATCH when the content does not have the given size or the registry
     *     finds it does not hash to the digest
     * @throws UncheckedIOException when reading the content fails
     */
    public void pushBlob(ImageReference repository, Digest digest, long size, Supplier<InputStream> content)
            throws RegistryException {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(content, "content");
        if (size < 0) {
            throw new IllegalArgumentException("blob " + digest + " has a negative size: " + size);
        }
        String what = "blob " + digest + " of " + repository.repositoryLocation();
        List<String> scopes = List.of(RegistryTransport.pushScope(repository));
        URI start = uploadsUri(repository, "");
        HttpResponse<InputStream> started = transport.send(request("POST", repository, start, Map.of(),
                HttpRequest.BodyPublishers.noBody(), null, scopes));
        if (started.statusCode() != 202) {
            throw unexpected(started, repository.registry(), "upload of " + what);
        }
        URI location = uploadLocation(started, start, repository);
        RegistryTransport.discard(started);
        URI put = URI.create(location + (location.getRawQuery() == null ? "?" : "&") + "digest=" + digest);
        // fromPublisher sets Content-Length, which registries need for a monolithic upload; it rejects zero.
        HttpRequest.BodyPublisher body = size == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new UploadStream(Objects.requireNonNull(content.get(), "content supplier returned null"), digest, size)),
                        size);
        // The answer comes once the body is sent: allow for the body at the slowest rate worth waiting for.
        Duration timeout = transport.limits().uploadTimeout(size);
        HttpResponse<InputStream> done = transport.send(request("PUT", repository, put,
                Map.of("Content-Type", "application/octet-stream"), body, timeout, scopes));
        if (done.statusCode() != 201) {
            throw unexpected(done, repository.registry(), what);
        }
        RegistryTransport.discard(done);
        Optional<String> stored = done.headers().firstValue("Docker-Content-Digest");
        if (stored.isPresent() && !announcedDigest(stored.get(), what, repository.registry()).equals(digest)) {
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, "registry " + repository.registry()
                    + " stored " + what + " under digest " + stored.get());
        }
        transfers.pushed(size);
    }

    /**
     * Asks the registry to link a blob from another repository on the same registry, which costs no upload.
     *
     * @return true when the blob was mounted; false when the registry declined (it does not have the blob in
     *     {@code source}, or we may not read it there) and the blob must be pushed
     */
    public boolean mountBlob(ImageReference target, ImageReference source, Digest digest) throws RegistryException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(digest, "digest");
        if (!RegistryTransport.apiHost(target.registry()).equals(RegistryTransport.apiHost(source.registry()))) {
            throw new IllegalArgumentException("a cross-repository mount needs both repositories on one registry, got "
                    + source.repositoryLocation() + " and " + target.repositoryLocation());
        }
        URI uri = uploadsUri(target, "?mount=" + digest + "&from=" + source.repository());
        HttpResponse<InputStream> response = transport.send(request("POST", target, uri, Map.of(),
                HttpRequest.BodyPublishers.noBody(), null,
                List.of(RegistryTransport.pushScope(target), RegistryTransport.pullScope(source))));
        int status = response.statusCode();
        if (status == 201) {
            RegistryTransport.discard(response);
            return true;
        }
        if (status == 202) {
            // The registry opened an ordinary upload instead; cancel it rather than leave it to expire.
            URI location = uploadLocation(response, uri, target);
            RegistryTransport.discard(response);
            try {
                RegistryTransport.discard(transport.send(request("DELETE", target, location, Map.of(), null, null,
                        List.of(RegistryTransport.pushScope(target)))));
            } catch (RegistryException e) {
                // Best effort: an abandoned upload is only garbage the registry collects itself.
            }
            return false;
        }
        throw unexpected(response, target.registry(), "mount of blob " + digest + " from " + source.repositoryLocation()
                + " into " + target.repositoryLocation());
    }

    /**
     * Uploads a manifest or index under the reference's tag (or, without a tag, under its digest).
     *
     * @return the digest of {@code body}, which the reference now points at
     */
    public Digest pushManifest(ImageReference reference, String mediaType, byte[] body) throws RegistryException {
        return putManifest(reference, mediaType, body).digest();
    }

    /**
     * What a manifest push answered.
     *
     * @param subject the {@code OCI-Subject} header: the registry took the manifest's {@code subject} into its
     *     referrers API (OCI distribution 1.1); empty when it did not say so
     */
    public record PushedManifest(Digest digest, Optional<Digest> subject) {
    }

    /** {@link #pushManifest}, telling also whether the registry indexed the manifest's subject for the referrers API. */
    public PushedManifest putManifest(ImageReference reference, String mediaType, byte[] body) throws RegistryException {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(body, "body");
        if (mediaType == null || mediaType.isBlank()) {
            throw new IllegalArgumentException("a manifest push needs a media type, got '" + mediaType + "'");
        }
        Digest digest = Digest.sha256(body);
        if (reference.digest() != null && !reference.digest().equals(Digest.of(reference.digest().algorithm(), body))) {
            throw new IllegalArgumentException("the manifest has digest " + digest + ", but the reference pins "
                    + reference.digest() + ": " + reference);
        }
        String target = reference.tag() != null ? reference.tag() : reference.digest().toString();
        String what = "manifest " + reference.repositoryLocation() + (reference.tag() != null ? ":" : "@") + target;
        HttpResponse<InputStream> response = transport.send(request("PUT", reference, manifestUri(reference, target),
                Map.of("Content-Type", mediaType), HttpRequest.BodyPublishers.ofByteArray(body), null,
                List.of(RegistryTransport.pushScope(reference))));
        if (response.statusCode() != 201) {
            throw unexpected(response, reference.registry(), what);
        }
        RegistryTransport.discard(response);
        Optional<String> stored = response.headers().firstValue("Docker-Content-Digest");
        if (stored.isPresent() && !announcedDigest(stored.get(), what, reference.registry()).equals(digest)) {
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, "registry " + reference.registry()
                    + " stored " + what + " under digest " + stored.get() + ", but its content has digest " + digest);
        }
        Optional<String> subject = response.headers().firstValue("OCI-Subject");
        return new PushedManifest(digest, subject.isPresent() ? Optional.of(announcedDigest(subject.get(), what,
                reference.registry())) : Optional.empty());
    }

    /**
     * A manifest or index as stored, verified against the reference's digest when it pins one; empty when the
     * registry has no such tag or digest (404).
     */
    public Optional<byte[]> manifestIfExists(ImageReference reference) throws RegistryException {
        Objects.requireNonNull(reference, "reference");
        try {
            return Optional.of(fetchManifest(reference, reference.manifestReference(), reference.digest(),
                    "manifest " + reference).body());
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The referrers API (OCI distribution 1.1): the index of the manifests whose {@code subject} is {@code subject}.
     * Empty when the registry does not have the API (it answers 404; one that has it answers 200, also with no
     * referrers), so the caller falls back to the {@code <alg>-<hex>} tag schema.
     */
    public Optional<byte[]> referrers(ImageReference repository, Digest subject) throws RegistryException {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(subject, "subject");
        String what = "referrers of " + repository.repositoryLocation() + "@" + subject;
        URI uri = transport.uri(repository.registry(), "/v2/" + repository.repository() + "/referrers/" + subject);
        HttpResponse<InputStream> response = transport.send(request("GET", repository, uri,
                Map.of("Accept", MediaTypes.OCI_INDEX), null, null, List.of(RegistryTransport.pullScope(repository))));
        if (response.statusCode() == 404) {
            RegistryTransport.discard(response);
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw unexpected(response, repository.registry(), what);
        }
        return Optional.of(readBounded(response, maxManifestBytes, "referrers index", what, repository.registry()));
    }

    @Override
    public String toString() {
        return "RegistryClient[userAgent=" + userAgent + ", insecureRegistries=" + insecureRegistries
                + ", maxManifestBytes=" + maxManifestBytes + "]";
    }

    private ResolvedImage image(ImageReference reference, FetchedManifest manifest, Digest pushedDigest,
                                Platform indexPlatform, Platform requested) throws RegistryException {
        String what = "image " + reference + (indexPlatform == null ? "" : " (" + indexPlatform + ")");
        ManifestJson.Manifest parsed = parse(() -> ManifestJson.manifest(manifest.body()), "manifest of " + what);
        Descriptor config = parsed.config();
        if (!MediaTypes.isConfig(config.mediaType())) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, what
                    + " is not a container image: its config has media type " + config.mediaType()
                    + " (an OCI artifact such as a chart or a signature?)");
        }
        for (int i = 0; i < parsed.layers().size(); i++) {
            Descriptor layer = parsed.layers().get(i);
            if (!MediaTypes.isLayer(layer.mediaType())) {
                throw new RegistryException(RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, what + ": layer " + i + " ("
                        + layer.digest() + ") has media type " + layer.mediaType()
                        + ", which is not a supported layer format (tar, tar+gzip or tar+zstd)");
            }
        }
        byte[] configBytes = fetchConfig(reference, config, what);
        ImageConfig imageConfig = parse(() -> ImageConfig.parse(configBytes), "config " + config.digest() + " of " + what);
        Platform declared = parse(() -> ManifestJson.configPlatform(configBytes), "config " + config.digest() + " of " + what);
        if (indexPlatform == null && declared != null && !requested.matches(declared)) {
            throw new RegistryException(RegistryException.Kind.PLATFORM_NOT_FOUND, what + " is a single-platform image for "
                    + declared + "; it has no " + requested + " variant");
        }
        Platform platform = indexPlatform != null ? indexPlatform : declared != null ? declared : requested;
        return new ResolvedImage(reference, pushedDigest, manifest.digest(), manifest.mediaType(), platform, config,
                imageConfig, parsed.layers());
    }

    /** An exact variant match wins over one where either side leaves the variant open. */
    private static Optional<Descriptor> choose(List<Descriptor> entries, Platform platform) {
        List<Descriptor> candidates = entries.stream()
                .filter(e -> MediaTypes.isManifest(e.mediaType()) && e.platform() != null && platform.matches(e.platform()))
                .toList();
        return candidates.stream().filter(e -> e.platform().equals(platform)).findFirst()
                .or(() -> candidates.stream().findFirst());
    }

    private static RegistryException platformNotFound(ImageReference reference, Platform platform, List<Descriptor> entries) {
        // Attestation manifests (buildx) sit in the index as unknown/unknown; they are not platforms.
        String available = entries.stream()
                .filter(e -> MediaTypes.isManifest(e.mediaType()) && e.platform() != null
                        && !e.platform().os().equals("unknown"))
                .map(e -> e.platform().toString())
                .distinct()
                .collect(Collectors.joining(", "));
        return new RegistryException(RegistryException.Kind.PLATFORM_NOT_FOUND, "image " + reference + " has no variant for "
                + platform + "; " + (available.isEmpty() ? "its index lists no platforms" : "it has " + available));
    }

    private FetchedManifest fetchManifest(ImageReference reference, String manifestReference, Digest expected, String what)
            throws RegistryException {
        HttpResponse<InputStream> response = transport.send(request("GET", reference, manifestUri(reference, manifestReference),
                Map.of("Accept", ACCEPT_MANIFESTS), null, null, List.of(RegistryTransport.pullScope(reference))));
        if (response.statusCode() != 200) {
            throw unexpected(response, reference.registry(), what);
        }
        String contentType = response.headers().firstValue("Content-Type").orElse(null);
        Optional<String> announced = response.headers().firstValue("Docker-Content-Digest");
        byte[] body = readBounded(response, maxManifestBytes, "manifest", what, reference.registry());
        // Verify before trusting a single byte of the content.
        Digest actual = Digest.of(expected == null ? "sha256" : expected.algorithm(), body);
        if (expected != null && !expected.equals(actual)) {
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, what + ": registry " + reference.registry()
                    + " served content with digest " + actual + ", expected " + expected);
        }
        if (announced.isPresent()) {
            Digest claimed = announcedDigest(announced.get(), what, reference.registry());
            Digest ofBody = Digest.of(claimed.algorithm(), body);
            if (!claimed.equals(ofBody)) {
                throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, what + ": registry "
                        + reference.registry() + " announced digest " + claimed
                        + " (Docker-Content-Digest), but the content it sent has digest " + ofBody);
            }
        }
        String mediaType = parse(() -> ManifestJson.mediaType(contentType, body), "manifest of " + what);
        if (MediaTypes.isSchema1(mediaType) || ManifestJson.isSchema1(body)) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, what
                    + " is a Docker schema 1 manifest (" + mediaType + "), which is not supported; push the image again"
                    + " with a current docker, buildah or skopeo to store it as schema 2 or OCI");
        }
        if (!MediaTypes.isManifest(mediaType) && !MediaTypes.isIndex(mediaType)) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, what + " has media type " + mediaType
                    + ", which is neither an image manifest nor an index (supported: " + ACCEPT_MANIFESTS + ")");
        }
        return new FetchedManifest(mediaType, body, actual);
    }

    private byte[] fetchConfig(ImageReference reference, Descriptor config, String what) throws RegistryException {
        String configWhat = "config " + config.digest() + " of " + what;
        if (config.size() > maxManifestBytes) {
            throw tooLarge("image config", configWhat, config.size());
        }
        HttpResponse<InputStream> response = transport.send(request("GET", reference, blobUri(reference, config.digest()),
                Map.of(), null, null, List.of(RegistryTransport.pullScope(reference))));
        if (response.statusCode() != 200) {
            throw unexpected(response, reference.registry(), configWhat);
        }
        byte[] bytes = readBounded(response, maxManifestBytes, "image config", configWhat, reference.registry());
        Digest actual = Digest.of(config.digest().algorithm(), bytes);
        if (bytes.length != config.size() || !actual.equals(config.digest())) {
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, configWhat + ": registry "
                    + reference.registry() + " served " + bytes.length + " bytes with digest " + actual + ", expected "
                    + config.size() + " bytes with digest " + config.digest());
        }
        return bytes;
    }

    private InputStream openBlob(ImageReference repository, Digest digest, long size) throws RegistryException {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(digest, "digest");
        String what = "blob " + digest + " of " + repository.repositoryLocation();
        HttpResponse<InputStream> response = transport.send(request("GET", repository, blobUri(repository, digest),
                Map.of(), null, null, List.of(RegistryTransport.pullScope(repository))));
        if (response.statusCode() != 200) {
            throw unexpected(response, repository.registry(), what);
        }
        long announced = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (size >= 0 && announced >= 0 && announced != size) {
            RegistryTransport.discard(response);
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, what + ": registry " + repository.registry()
                    + " announces " + announced + " bytes, but the manifest says " + size);
        }
        InputStream body = transfers == TransferListener.NONE ? response.body()
                : new CountingInputStream(response.body(), transfers);
        return new VerifyingInputStream(body, digest, size >= 0 ? size : announced, what);
    }

    /** Maps a status we did not expect to the kind a caller can act on, with the registry's own words. */
    private static RegistryException unexpected(HttpResponse<InputStream> response, String registry, String what) {
        int status = response.statusCode();
        ErrorBody error = ErrorBody.read(response);
        if (status == 404 || error.has("MANIFEST_UNKNOWN") || error.has("NAME_UNKNOWN") || error.has("BLOB_UNKNOWN")) {
            return new RegistryException(RegistryException.Kind.NOT_FOUND, what + " not found" + error.inParentheses());
        }
        if (status == 403 || error.has("DENIED")) {
            return new RegistryException(RegistryException.Kind.UNAUTHORIZED, "registry " + registry + " denied access to "
                    + what + error.inParentheses());
        }
        if (error.has("DIGEST_INVALID") || error.has("SIZE_INVALID")) {
            return new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, "registry " + registry + " rejected "
                    + what + ": the content does not match its digest or size" + error.inParentheses());
        }
        if (status == 415) {
            return new RegistryException(RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, "registry " + registry
                    + " does not accept the media type of " + what + error.inParentheses());
        }
        if (status == 429 || error.has("TOOMANYREQUESTS")) {
            return new RegistryException(RegistryException.Kind.PROTOCOL, "registry " + registry
                    + " is rate limiting requests (HTTP 429) for " + what + "; wait, or configure credentials"
                    + error.inParentheses());
        }
        return new RegistryException(RegistryException.Kind.PROTOCOL, "registry " + registry + " answered HTTP " + status
                + " for " + what + error.inParentheses());
    }

    private byte[] readBounded(HttpResponse<InputStream> response, long limit, String content, String what, String registry)
            throws RegistryException {
        long announced = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (announced > limit) {
            RegistryTransport.discard(response);
            throw tooLarge(content, what, announced);
        }
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
        } catch (TransferAbortedException e) {
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, "registry " + registry + ", " + what + ": "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, "the connection to registry " + registry
                    + " broke while reading " + what + ": " + e.getMessage(), e);
        }
        if (bytes.length > limit) {
            throw tooLarge(content, what, -1);
        }
        return bytes;
    }

    private RegistryException tooLarge(String content, String what, long size) {
        return new RegistryException(RegistryException.Kind.PROTOCOL, content + " larger than " + bytes(maxManifestBytes)
                + (size >= 0 ? " (" + size + " bytes)" : "") + ": " + what
                + "; if that is legitimate, raise RegistryClient.Builder.maxManifestBytes");
    }

    private static String bytes(long count) {
        return count % (1024 * 1024) == 0 ? count / (1024 * 1024) + " MiB" : count + " bytes";
    }

    private static Digest announcedDigest(String header, String what, String registry) throws RegistryException {
        try {
            return Digest.parse(header.trim());
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, "registry " + registry
                    + " sent an invalid Docker-Content-Digest for " + what + ": " + e.getMessage(), e);
        }
    }

    private static <T> T parse(Parse<T> step, String what) throws RegistryException {
        try {
            return step.run();
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, "malformed " + what + ": " + e.getMessage(), e);
        }
    }

    private URI uploadLocation(HttpResponse<InputStream> response, URI base, ImageReference repository) throws RegistryException {
        Optional<String> location = response.headers().firstValue("Location");
        if (location.isEmpty()) {
            RegistryTransport.discard(response);
            throw new RegistryException(RegistryException.Kind.PROTOCOL, "registry " + repository.registry()
                    + " started an upload to " + repository.repositoryLocation() + " without a Location header");
        }
        try {
            return base.resolve(location.get());
        } catch (IllegalArgumentException e) {
            RegistryTransport.discard(response);
            throw new RegistryException(RegistryException.Kind.PROTOCOL, "registry " + repository.registry()
                    + " sent an invalid upload location '" + location.get() + "'", e);
        }
    }

    private URI manifestUri(ImageReference reference, String manifestReference) {
        return transport.uri(reference.registry(), "/v2/" + reference.repository() + "/manifests/" + manifestReference);
    }

    private URI blobUri(ImageReference repository, Digest digest) {
        return transport.uri(repository.registry(), "/v2/" + repository.repository() + "/blobs/" + digest);
    }

    private URI uploadsUri(ImageReference repository, String query) {
        return transport.uri(repository.registry(), "/v2/" + repository.repository() + "/blobs/uploads/" + query);
    }

    private static RegistryTransport.Request request(String method, ImageReference reference, URI uri,
                                                     Map<String, String> headers, HttpRequest.BodyPublisher body,
                                                     Duration timeout, List<String> scopes) {
        return new RegistryTransport.Request(method, reference.registry(), uri, headers, body, timeout, scopes);
    }

    /** {@code distill/<version>}, the version as Maven built this module. */
    static String defaultUserAgent() {
        Properties properties = new Properties();
        try (InputStream in = RegistryClient.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // Fall through to "dev": a missing version must not stop the client.
        }
        String version = properties.getProperty("version", "dev");
        return "distill/" + (version.isBlank() || version.contains("${") ? "dev" : version);
    }

    /**
     * The bounds every exchange with a registry is held to.
     */
    public TransferLimits transferLimits() {
        return transport.limits();
    }

    /** Answers whose bodies are being read now; a transfer that was abandoned or finished is not among them. */
    public int openTransfers() {
        return transport.openTransfers();
    }

    /** Configures a {@link RegistryClient}; the defaults are anonymous, HTTPS except on loopback, {@link TransferLimits#DEFAULTS}. */
    public static final class Builder {

        private static final Pattern HOST_PORT = Pattern.compile(
                "(?:[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?");

        private RegistryCredentials credentials = RegistryCredentials.anonymous();
        private final Set<String> insecureRegistries = new LinkedHashSet<>();
        private TransferLimits limits = TransferLimits.DEFAULTS;
        private String userAgent = defaultUserAgent();
        private long maxManifestBytes = DEFAULT_MAX_MANIFEST_BYTES;
        private Clock clock = Clock.systemUTC();
        private TransferListener transfers = TransferListener.NONE;

        private Builder() {
        }

        /** Where to report the blob bytes pulled and pushed (for metrics); nowhere by default. */
        public Builder transfers(TransferListener listener) {
            this.transfers = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Builder credentials(RegistryCredentials credentials) {
            this.credentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /**
         * Registries spoken to over plain HTTP, as {@code host} (any port) or {@code host:port}. Loopback
         * registries always are and need not be listed.
         */
        public Builder insecureRegistries(Collection<String> hosts) {
            Objects.requireNonNull(hosts, "hosts");
            insecureRegistries.clear();
            hosts.forEach(this::insecureRegistry);
            return this;
        }

        public Builder insecureRegistry(String host) {
            if (host == null || !HOST_PORT.matcher(host).matches()) {
                throw new IllegalArgumentException("not a valid insecure registry: '" + host + "' (expected host or host:port)");
            }
            insecureRegistries.add(host);
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.limits = limits.withConnectTimeout(positive(timeout, "connect timeout"));
            return this;
        }

        /** How long to wait for a registry's answer to start; uploads get more in proportion to their size. */
        public Builder readTimeout(Duration timeout) {
            this.limits = limits.withResponseTimeout(positive(timeout, "read timeout"));
            return this;
        }

        /** All the bounds at once: connect, answer, silence and the slowest acceptable rate. */
        public Builder transferLimits(TransferLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        public Builder userAgent(String userAgent) {
            if (userAgent == null || userAgent.isBlank() || userAgent.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
                throw new IllegalArgumentException("not a valid User-Agent: '" + userAgent + "' (printable ASCII, not blank)");
            }
            this.userAgent = userAgent;
            return this;
        }

        /** The most bytes of a manifest, index or image config read into memory; 4 MiB by default, as registries cap manifests. */
        public Builder maxManifestBytes(long bytes) {
            if (bytes <= 0 || bytes > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("max manifest size must be between 1 and " + (Integer.MAX_VALUE - 16)
                        + " bytes, got " + bytes);
            }
            this.maxManifestBytes = bytes;
            return this;
        }

        /** For tests of token expiry. */
        Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public RegistryClient build() {
            return new RegistryClient(this);
        }

        private static Duration positive(Duration timeout, String what) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + timeout);
            }
            return timeout;
        }
    }
}
