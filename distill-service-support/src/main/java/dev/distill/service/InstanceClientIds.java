package dev.distill.service;

import io.quarkus.arc.Unremovable;
import io.smallrye.reactive.messaging.ClientCustomizer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.eclipse.microprofile.config.Config;

/**
 * Names every stage consumer after this instance ({@code <instance>/<channel>}), so that the stage's consumer group
 * tells who is alive: an instance whose claim on some work is still listed in the group is working on it, one that
 * has left the group (crashed, stopped) is not. See {@link ConsumerGroupLiveness}.
 */
@ApplicationScoped
@Unremovable
public class InstanceClientIds implements ClientCustomizer<Map<String, Object>> {

    @Inject
    PipelineInfrastructure infrastructure;

    @Override
    public Map<String, Object> customize(String channel, Config channelConfig, Map<String, Object> config) {
        if (!config.containsKey(ConsumerConfig.GROUP_ID_CONFIG) || !config.containsKey(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG)) {
            return config;  // producers (the event channel, dead-letter producers) keep their names
        }
        Map<String, Object> named = new HashMap<>(config);
        named.put(ConsumerConfig.CLIENT_ID_CONFIG, ConsumerGroupLiveness.clientId(infrastructure.instanceName(), channel));
        return named;
    }
}
