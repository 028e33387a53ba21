package dev.distill.service;

import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.HostIdPool;
import dev.distill.engine.runtime.SeccompProfile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;

/** The confinement of every container a service runs, from {@code distill.sandbox.*}. */
@ApplicationScoped
public class SandboxBeans {

    @Produces
    @Singleton
    Confinement confinement(SandboxSettings settings) {
        HostIdPool pool = null;
        if (settings.userNamespaces()) {
            Path locks = Path.of(settings.idLockDirectory());
            if (settings.firstHostUid().isPresent()) {
                long uid = settings.firstHostUid().get();
                pool = new HostIdPool(uid, settings.firstHostGid().orElse(uid), settings.idRanges(), locks);
            } else {
                pool = HostIdPool.fromSubordinateIds(Path.of("/etc/subuid"), Path.of("/etc/subgid"), HostIdPool.SUBORDINATE_USER,
                        locks).orElseGet(() -> new HostIdPool(HostIdPool.DEFAULT_FIRST_ID, HostIdPool.DEFAULT_FIRST_ID,
                        HostIdPool.DEFAULT_RANGES, locks));
            }
        }
        return new Confinement(settings.runtime(), settings.seccomp() ? SeccompProfile.forHost() : null, pool);
    }
}
