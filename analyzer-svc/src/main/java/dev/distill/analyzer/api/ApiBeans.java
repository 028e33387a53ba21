package dev.distill.analyzer.api;

import dev.distill.analyzer.config.ApiSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Builds the user API's access check from {@code distill.api.*}. */
@ApplicationScoped
public class ApiBeans {

    private static final Logger LOG = Logger.getLogger(ApiBeans.class);

    /** Checks the configured tokens at start, and says loudly when access control is off or has no token to accept. */
    @Produces
    @Singleton
    ApiAccess apiAccess(ApiSettings settings) {
        ApiAccess access = ApiAccess.of(settings);
        if (!access.enabled()) {
            LOG.warn("ACCESS CONTROL IS OFF (distill.api.auth.enabled=false): anyone who reaches this port may read,"
                    + " start, re-run and cancel migrations");
        } else if (access.tokens() == 0) {
            LOG.warn("no API tokens are configured (distill.api.auth.tokens): the user API answers 401 to every request");
        } else {
            LOG.infof("user API: %d token(s) configured", access.tokens());
        }
        return access;
    }

    /** Builds the check at start: a bad token setting stops the service with the reason instead of the first request. */
    void atStart(@Observes StartupEvent event, ApiAccess access) {
        access.enabled();
    }
}
