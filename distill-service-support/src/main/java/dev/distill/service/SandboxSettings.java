package dev.distill.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/**
 * {@code distill.sandbox.*}: how every container a service runs is confined (the verifier's runs and command tests,
 * the builder's pre-start steps): the OCI runtime, the seccomp profile and the host ids of user namespaces. See
 * docs/security.md. {@link SandboxBeans} turns them into the {@code Confinement} bean.
 */
@ConfigMapping(prefix = "distill.sandbox")
public interface SandboxSettings {

    /**
     * The OCI runtime binary: {@code runc}, or another with runc's command line that the operator installed, such
     * as gVisor's {@code runsc} for a second boundary around the kernel.
     */
    @WithDefault("runc")
    String runtime();

    /** Whether containers run under Distill's seccomp profile; off only to diagnose a program it refuses. */
    @WithDefault("true")
    boolean seccomp();

    /** Whether containers get a user namespace; off only where the kernel has none. */
    @WithDefault("true")
    boolean userNamespaces();

    /**
     * The first host uid of the id pool; unset: the subordinate ids of the user {@code distill} in /etc/subuid and
     * /etc/subgid, else 1073741824 (2^30).
     */
    Optional<Long> firstHostUid();

    /** The first host gid of the pool; unset: as {@link #firstHostUid()}. */
    Optional<Long> firstHostGid();

    /** How many ranges of 65536 ids the pool holds (with {@code first-host-uid}); the most sandboxes at once. */
    @WithDefault("256")
    int idRanges();

    /** Where leases of id ranges are held; the same for every Distill process on the host. */
    @WithDefault("/run/distill/id-ranges")
    String idLockDirectory();
}
