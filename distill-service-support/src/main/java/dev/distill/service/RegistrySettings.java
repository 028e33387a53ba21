package dev.distill.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code distill.registry.*}: how the services reach registries (sources, bases, results, reports). */
@ConfigMapping(prefix = "distill.registry")
public interface RegistrySettings {

    /** Registries reached over plain HTTP besides loopback ones, as {@code host[:port]}. */
    Optional<List<String>> insecure();

    /** Credentials per registry host, e.g. {@code distill.registry.credentials."registry.example:5000".username}. */
    Map<String, Login> credentials();

    @WithDefault("5s")
    Duration connectTimeout();

    @WithDefault("60s")
    Duration readTimeout();

    /** A username and password (or token) for one registry. */
    interface Login {
        String username();

        String password();
    }
}
