package dev.distill.engine.runtime;

/**
 * What confines every container of a {@link Sandbox}, whatever it runs: the OCI runtime that runs it, the seccomp
 * profile, and the pool of host ids its user namespace maps to. The rest of the confinement (capabilities, no new
 * privileges, masked {@code /proc} paths, a read-only root, loopback-only network, cgroup limits) is in
 * {@link RuntimeConfig}. Every caller gets all of it from {@link Sandbox.Options#defaults()}; only tests and a
 * diagnosis turn a part off.
 *
 * @param runtime the OCI runtime binary, {@code runc} by default; another one that takes runc's command line and
 *     bundles (gVisor's {@code runsc}) may be named, where the operator installed it
 * @param seccomp the profile every process runs under, or null for none
 * @param userNamespaces the host ids each sandbox's user namespace maps container ids 0-65535 to, or null to run
 *     containers without a user namespace (container root is then host root minus capabilities)
 */
public record Confinement(String runtime, SeccompProfile seccomp, HostIdPool userNamespaces) {

    public Confinement {
        if (runtime == null || runtime.isBlank() || runtime.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("the OCI runtime must be a binary name or path, got '" + runtime + "'");
        }
    }

    /** runc from the PATH, the host's seccomp profile, user namespaces from the host's pool. */
    public static Confinement defaults() {
        return new Confinement("runc", SeccompProfile.forHost(), HostIdPool.defaults());
    }

    public Confinement withRuntime(String binary) {
        return new Confinement(binary, seccomp, userNamespaces);
    }

    public Confinement withUserNamespaces(HostIdPool pool) {
        return new Confinement(runtime, seccomp, pool);
    }

    /** Containers see every system call: only to show what the profile stops. */
    public Confinement withoutSeccomp() {
        return new Confinement(runtime, null, userNamespaces);
    }

    /** Container ids are host ids: only where the host cannot map them (no user namespaces in the kernel). */
    public Confinement withoutUserNamespaces() {
        return new Confinement(runtime, seccomp, null);
    }

    @Override
    public String toString() {
        return runtime + ", " + (seccomp == null ? "no seccomp profile" : seccomp.toString()) + ", "
                + (userNamespaces == null ? "no user namespace" : "user namespaces from " + userNamespaces);
    }
}
