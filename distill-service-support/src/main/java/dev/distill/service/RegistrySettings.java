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

    /** To open a connection (TCP and TLS). */
    @WithDefault("5s")
    Duration connectTimeout();

    /** From sending a request to the start of its answer (an upload also gets its body's time at the minimum rate). */
    @WithDefault("30s")
    Duration readTimeout();

    /** The longest silence while an answer's body is read. */
    @WithDefault("30s")
    Duration idleTimeout();

    /** The slowest body worth waiting for, in bytes per second, measured over {@link #throughputWindow()}. */
    @WithDefault("16384")
    long minThroughput();

    @WithDefault("60s")
    Duration throughputWindow();

    /** A username and password (or token) for one registry. */
    interface Login {
        String username();

        String password();
    }
}
