package dev.distill.engine.wiring;

import dev.distill.engine.image.ImageReference;
import dev.distill.engine.plan.MigrationPlan;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The programs of one migrated image as one pod: containers that share the pod's network namespace and the
 * volumes the plan says they share, each with a read-only root filesystem and a volume for every place it
 * writes. The builder stores it (as JSON, with any Jackson mapper) in its build report; the verifier runs the
 * programs as it says; {@link KubernetesManifests} and {@link ComposeFile} render it.
 *
 * @param name the pod's DNS-1123 name (the Deployment's and the compose project's)
 * @param initContainers the entrypoint's steps that run before each start, in order, each to completion before the next
 *     and before the programs (Kubernetes {@code initContainers}; compose services the programs wait for)
 * @param containers in the plan's order; the first owns the network in the compose rendering
 * @param notes the decisions a person should check (a port two programs declare, owners that disagree)
 */
public record PodWiring(
        String name,
        List<ContainerWiring> initContainers,
        List<ContainerWiring> containers,
        List<Volume> volumes,
        List<Sysctl> sysctls,
        List<WiringNote> notes) {

    /** A pod without init containers. */
    public PodWiring(String name, List<ContainerWiring> containers, List<Volume> volumes, List<Sysctl> sysctls,
            List<WiringNote> notes) {
        this(name, List.of(), containers, volumes, sysctls, notes);
    }

    public PodWiring {
        DnsLabels.require("a pod name", name);
        initContainers = List.copyOf(initContainers == null ? List.of() : initContainers);
        containers = List.copyOf(containers == null ? List.of() : containers);
        volumes = List.copyOf(volumes == null ? List.of() : volumes);
        sysctls = List.copyOf(sysctls == null ? List.of() : sysctls);
        notes = List.copyOf(notes == null ? List.of() : notes);
        if (containers.isEmpty()) {
            throw new IllegalArgumentException("pod " + name + " has no container");
        }
        Map<String, Volume> byName = new HashMap<>();
        for (Volume v : volumes) {
            if (byName.put(v.name(), v) != null) {
                throw new IllegalArgumentException("pod " + name + " has two volumes named " + v.name());
            }
        }
        Set<String> containerNames = new HashSet<>();
        Map<ContainerPort, String> portOwner = new HashMap<>();
        List<ContainerWiring> all = new java.util.ArrayList<>(initContainers);
        all.addAll(containers);
        for (ContainerWiring c : all) {
            if (!containerNames.add(c.name())) {
                throw new IllegalArgumentException("pod " + name + " has two containers named " + c.name());
            }
            for (VolumeMount m : c.mounts()) {
                if (!byName.containsKey(m.volume())) {
                    throw new IllegalArgumentException("container " + c.name() + " mounts volume " + m.volume()
                            + ", which pod " + name + " does not define");
                }
            }
            // One network namespace: the second bind of a port fails at run time, so the model refuses it now.
            for (ContainerPort p : c.ports()) {
                String other = portOwner.putIfAbsent(p, c.name());
                if (other != null) {
                    throw new IllegalArgumentException("containers " + other + " and " + c.name() + " of pod " + name
                            + " both declare port " + p + ", but they share one network namespace");
                }
            }
        }
    }

    /**
     * Derives the wiring from a migration plan and the images the builder pushed for it.
     *
     * @param podName the pod's name before sanitising (for example the source repository's last component)
     * @param images program name (as the plan names it) to the pushed image, pinned by digest
     * @throws IllegalArgumentException when the plan cannot be wired: no program, a program without a pushed
     *     image, a user the plan's accounts do not name
     */
    public static PodWiring fromPlan(String podName, MigrationPlan plan, Map<String, ImageReference> images) {
        return new WiringDerivation(plan, images).derive(podName);
    }

    public ContainerWiring container(String containerName) {
        return java.util.stream.Stream.concat(initContainers.stream(), containers.stream())
                .filter(c -> c.name().equals(containerName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("pod " + name + " has no container " + containerName));
    }

    public Volume volume(String volumeName) {
        return volumes.stream().filter(v -> v.name().equals(volumeName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("pod " + name + " has no volume " + volumeName));
    }
}
