package dev.distill.analyzer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code distill.api.*}: who may use the user API. Tokens are configured by the SHA-256 of their value, never the
 * value: {@code distill.api.auth.tokens.<name>.sha256} and {@code .scopes} ({@code read}, {@code write}).
 */
@ConfigMapping(prefix = "distill.api")
public interface ApiSettings {

    Auth auth();

    Events events();

    /** The Server-Sent Event streams. */
    interface Events {

        /** A comment line on every open stream this often, so that proxies keep quiet streams open. */
        @WithDefault("15s")
        Duration keepAlive();
    }

    interface Auth {

        /**
         * Whether the user API checks tokens. Turning it off is meant for a machine nobody else reaches; the service
         * says so loudly at start.
         */
        @WithDefault("true")
        boolean enabled();

        /** The API tokens by name (the name is what the status shows as who cancelled or re-ran a migration). */
        Map<String, Token> tokens();
    }

    interface Token {

        /** Lower-case hex SHA-256 of the token, e.g. {@code printf %s "$TOKEN" | sha256sum}. */
        String sha256();

        /** {@code read} (GETs and event streams) and/or {@code write} (start, re-run, cancel). */
        List<String> scopes();
    }
}
