package dev.distill.engine.registry;

import dev.distill.engine.image.ImageReference;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Where the client finds the login for a registry host; an empty answer means anonymous access. */
@FunctionalInterface
public interface RegistryCredentials {

    /**
     * @param host the registry as it appears in image references, {@code host[:port]}, e.g. {@code 127.0.0.1:5000}
     */
    Optional<Credential> forRegistry(String host);

    /** No credentials for any registry. */
    static RegistryCredentials anonymous() {
        return host -> Optional.empty();
    }

    /**
     * Credentials keyed by registry host ({@code host[:port]}). Docker Hub may be keyed by any of the names
     * Docker tooling uses for it ({@code docker.io}, {@code index.docker.io}, {@code registry-1.docker.io}).
     */
    static RegistryCredentials fromMap(Map<String, Credential> byHost) {
        // Checked by iterating: Map.of() maps throw on containsKey(null).
        if (byHost == null || byHost.entrySet().stream().anyMatch(e -> e.getKey() == null || e.getValue() == null)) {
            throw new IllegalArgumentException("registry credentials map must not be null nor hold null hosts or"
                    + " credentials; hosts: " + (byHost == null ? null : byHost.keySet()));
        }
        Map<String, Credential> copy = Map.copyOf(byHost);
        List<String> dockerHubNames = List.of(ImageReference.DOCKER_HUB, "docker.io", "index.docker.io",
                "https://index.docker.io/v1/");
        return host -> {
            Credential direct = copy.get(host);
            if (direct != null || !dockerHubNames.contains(host)) {
                return Optional.ofNullable(direct);
            }
            return dockerHubNames.stream().map(copy::get).filter(c -> c != null).findFirst();
        };
    }
}
