package dev.distill.engine.wiring;

/** A namespaced kernel parameter the pod sets (containers of a pod share its network namespace). */
public record Sysctl(String name, String value) {

    /** Lets processes that are not root bind ports below 1024, in the pod's network namespace only. */
    public static final Sysctl UNPRIVILEGED_LOW_PORTS = new Sysctl("net.ipv4.ip_unprivileged_port_start", "0");

    public Sysctl {
        if (name == null || !name.matches("[a-z0-9_]+(\\.[a-z0-9_]+)+") || value == null) {
            throw new IllegalArgumentException("not a sysctl: '" + name + "' = '" + value + "'");
        }
    }
}
