package dev.distill.engine.registry;

/**
 * A username and password (or token) for one registry. The password never appears in {@link #toString()},
 * so a credential can be logged or put in an exception by mistake without leaking.
 */
public record Credential(String username, String password) {

    public Credential {
        if (username == null || username.isBlank()) {
            throw new IllegalArgumentException("a registry credential needs a username, got '" + username + "'");
        }
        if (password == null) {
            throw new IllegalArgumentException("the registry credential for user '" + username + "' has no password");
        }
    }

    @Override
    public String toString() {
        return "Credential[username=" + username + ", password=****]";
    }
}
