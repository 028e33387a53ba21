package dev.distill.engine.structure;

import java.util.List;

/**
 * Checks the image configuration. Every part is optional: an empty list, an empty string or a null
 * entrypoint/cmd is not checked.
 *
 * @param envVars variables that must be set, with their value (or a regex of it)
 * @param unboundEnvVars variables (by key) that must not be set
 * @param exposedPorts ports that must be exposed: {@code 8080} matches any protocol, {@code 8080/udp} only that one
 * @param entrypoint the exact ENTRYPOINT, null when not checked ({@code []} checks that there is none)
 * @param cmd the exact CMD, null when not checked
 */
public record MetadataTest(
        List<KeyValue> envVars,
        List<KeyValue> unboundEnvVars,
        List<KeyValue> labels,
        List<String> exposedPorts,
        List<String> unexposedPorts,
        List<String> entrypoint,
        List<String> cmd,
        String workdir,
        List<String> volumes,
        List<String> unmountedVolumes,
        String user) {

    public static final MetadataTest NONE = new MetadataTest(null, null, null, null, null, null, null, null, null,
            null, null);

    public MetadataTest {
        envVars = Suites.list(envVars);
        unboundEnvVars = Suites.list(unboundEnvVars);
        labels = Suites.list(labels);
        exposedPorts = Suites.nonEmpty(exposedPorts, "exposedPorts");
        unexposedPorts = Suites.nonEmpty(unexposedPorts, "unexposedPorts");
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        cmd = cmd == null ? null : List.copyOf(cmd);
        workdir = workdir == null ? "" : workdir;
        volumes = Suites.nonEmpty(volumes, "volumes");
        unmountedVolumes = Suites.nonEmpty(unmountedVolumes, "unmountedVolumes");
        user = user == null ? "" : user;
    }

    /** Whether there is nothing to check. */
    public boolean isEmpty() {
        return equals(NONE);
    }
}
