package dev.distill.service;

import dev.distill.engine.registry.Credential;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryCredentials;
import dev.distill.engine.registry.TransferLimits;
import dev.distill.engine.registry.TransferListener;
import dev.distill.pipeline.reports.RegistryReportStore;
import dev.distill.pipeline.reports.ReportStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The registry client and report store every service uses, from {@code distill.registry.*} and {@code distill.reports.*}. */
@ApplicationScoped
public class RegistryBeans {

    @Produces
    @Singleton
    RegistryClient registryClient(RegistrySettings settings, TransferListener transfers) {
        Map<String, Credential> logins = settings.credentials().entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> new Credential(e.getValue().username(), e.getValue().password())));
        return RegistryClient.builder()
                .credentials(RegistryCredentials.fromMap(logins))
                .insecureRegistries(settings.insecure().orElse(List.of()))
                .transferLimits(new TransferLimits(settings.connectTimeout(), settings.readTimeout(), settings.idleTimeout(),
                        settings.minThroughput(), settings.throughputWindow()))
                .transfers(transfers)
                .build();
    }

    @Produces
    @Singleton
    ReportStore reportStore(RegistryClient client, ReportSettings settings) {
        return new RegistryReportStore(client, settings.repository());
    }
}
