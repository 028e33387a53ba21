package dev.distill.engine.image;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A reference to an image in a registry: {@code registry/repository[:tag][@digest]}.
 *
 * <p>Follows the distribution reference grammar: the first path component is a registry host when it
 * contains a dot or a colon or is {@code localhost}; otherwise the registry is Docker Hub and single-name
 * repositories get the {@code library/} prefix. A reference without tag or digest means {@code latest}.
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

    public static final String DOCKER_HUB = "registry-1.docker.io";

    private static final Pattern REGISTRY = Pattern.compile("(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?");
    private static final Pattern REPOSITORY = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    public ImageReference {
        if (registry == null || !REGISTRY.matcher(registry).matches()) {
            throw new IllegalArgumentException("not a valid registry host: '" + registry + "'");
        }
        if (repository == null || repository.length() > 255 || !REPOSITORY.matcher(repository).matches()) {
            throw new IllegalArgumentException("not a valid repository name: '" + repository
                    + "' (lowercase letters, digits and separators . _ __ - and /)");
        }
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("not a valid tag: '" + tag + "'");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
    }

    /** Parses a reference as users write it, e.g. {@code 127.0.0.1:5000/demo/app:1} or {@code alpine@sha256:...}. */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("not a valid image reference: '" + text + "' (it is empty)");
        }
        String rest = text.trim();
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a valid image reference: '" + text + "' (" + e.getMessage() + ")");
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > lastSlash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String registry;
        String repository;
        int firstSlash = rest.indexOf('/');
        String first = firstSlash < 0 ? null : rest.substring(0, firstSlash);
        if (first != null && (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("["))) {
            registry = first;
            repository = rest.substring(firstSlash + 1);
        } else {
            registry = DOCKER_HUB;
            repository = rest.contains("/") ? rest : "library/" + rest;
        }
        try {
            return new ImageReference(registry, repository, tag, digest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid image reference: '" + text + "' (" + e.getMessage() + ")");
        }
    }

    /** Tag or digest as the distribution API's {@code <reference>} path element; the digest wins. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    public Optional<Digest> digestIfPinned() {
        return Optional.ofNullable(digest);
    }

    public ImageReference withDigest(Digest newDigest) {
        return new ImageReference(registry, repository, tag, newDigest);
    }

    public ImageReference withTag(String newTag) {
        return new ImageReference(registry, repository, newTag, null);
    }

    /** {@code registry/repository} without tag or digest. */
    public String repositoryLocation() {
        return registry + "/" + repository;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(repositoryLocation());
        if (tag != null) {
            s.append(':').append(tag);
        }
        if (digest != null) {
            s.append('@').append(digest);
        }
        return s.toString();
    }
}
