package dev.distill.engine.wiring;

import dev.distill.engine.identity.Identity;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One program's container in the pod.
 *
 * @param name the container's DNS-1123 name, derived from the program's
 * @param program the program's name as the plan gives it, which the builder's image map is keyed by
 * @param command the exec-form command line, program first
 * @param user who the program runs as: the plan's run-as identity, supplementary groups included
 * @param workingDir null to keep the image's
 * @param env {@code NAME=value} entries, in the plan's order
 * @param ports the ports this container declares; each port of the pod is declared by one container only
 * @param stopSignal the signal that asks the program to stop ({@code SIGQUIT}), null for the runtime's SIGTERM
 * @param addedCapabilities what the container gets back after dropping every capability, sorted
 */
public record ContainerWiring(
        String name,
        String program,
        ContainerImage image,
        List<String> command,
        Identity user,
        String workingDir,
        List<String> env,
        List<ContainerPort> ports,
        String stopSignal,
        List<VolumeMount> mounts,
        List<String> addedCapabilities) {

    public ContainerWiring {
        DnsLabels.require("a container name", name);
        if (program == null || program.isBlank()) {
            throw new IllegalArgumentException("container " + name + " needs the name of its program");
        }
        if (image == null || user == null) {
            throw new IllegalArgumentException("container " + name + " needs an image and a user, got " + image + ", " + user);
        }
        command = List.copyOf(command == null ? List.of() : command);
        if (command.isEmpty() || command.get(0).isEmpty()) {
            throw new IllegalArgumentException("container " + name + " needs an exec-form command, got " + command);
        }
        if (workingDir != null && !workingDir.startsWith("/")) {
            throw new IllegalArgumentException("container " + name + " has a relative working directory '" + workingDir + "'");
        }
        env = List.copyOf(env == null ? List.of() : env);
        for (String e : env) {
            if (e.indexOf('=') < 1) {
                throw new IllegalArgumentException("container " + name + " has an environment entry without NAME=: '" + e + "'");
            }
        }
        ports = List.copyOf(ports == null ? List.of() : ports);
        if (new HashSet<>(ports).size() != ports.size()) {
            throw new IllegalArgumentException("container " + name + " declares a port twice: " + ports);
        }
        mounts = List.copyOf(mounts == null ? List.of() : mounts);
        Set<String> paths = new HashSet<>();
        for (VolumeMount m : mounts) {
            if (!paths.add(m.path())) {
                throw new IllegalArgumentException("container " + name + " mounts two volumes at " + m.path());
            }
        }
        addedCapabilities = List.copyOf(addedCapabilities == null ? List.of() : addedCapabilities);
        for (String c : addedCapabilities) {
            if (!c.matches("[A-Z_]+") || c.startsWith("CAP_")) {
                throw new IllegalArgumentException("container " + name + ": capabilities are named without CAP_ and in "
                        + "upper case (NET_BIND_SERVICE), got '" + c + "'");
            }
        }
    }

    /** The program itself, {@code command[0]}. */
    public String executable() {
        return command.get(0);
    }

    /** The program's arguments, {@code command[1..]}. */
    public List<String> arguments() {
        return command.subList(1, command.size());
    }
}
