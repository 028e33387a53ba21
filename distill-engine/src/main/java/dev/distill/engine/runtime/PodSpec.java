package dev.distill.engine.runtime;

import dev.distill.engine.fs.ImageFileSystem;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Several containers that run together as one pod: they share one network namespace (so they reach each other on
 * 127.0.0.1) and the named volumes they mount. The builder derives this from its wiring; each member's
 * {@link RuntimeConfig} says what it runs, and the pod adds the network and the volume mounts.
 *
 * @param volumes the shared directories, made fresh in the sandbox with their owner and mode
 * @param members in start order; the first one creates the network namespace the others join
 */
public record PodSpec(List<Volume> volumes, List<Member> members) {

    public PodSpec {
        volumes = List.copyOf(volumes);
        members = List.copyOf(members);
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a pod needs at least one container");
        }
        Set<String> volumeNames = new HashSet<>();
        for (Volume v : volumes) {
            if (!volumeNames.add(v.name())) {
                throw new IllegalArgumentException("pod volume " + v.name() + " is declared twice");
            }
        }
        Set<String> names = new HashSet<>();
        for (Member m : members) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("pod container " + m.name() + " is declared twice");
            }
            for (Mount mount : m.mounts()) {
                if (!volumeNames.contains(mount.volume())) {
                    throw new IllegalArgumentException("container " + m.name() + " mounts undeclared volume " + mount.volume());
                }
            }
        }
    }

    /** A shared directory: owner and mode as the program that writes it needs (e.g. a socket directory). */
    public record Volume(String name, int uid, int gid, int mode) {
        public Volume {
            if (name == null || name.isBlank() || uid < 0 || gid < 0 || mode < 0 || mode > 07777) {
                throw new IllegalArgumentException("bad pod volume " + name + " " + uid + ":" + gid + " mode " + Integer.toOctalString(mode));
            }
        }
    }

    /** Where a container sees a volume. */
    public record Mount(String volume, String destination, boolean readOnly) {
        public Mount {
            if (volume == null || destination == null || !destination.startsWith("/")) {
                throw new IllegalArgumentException("a volume mount needs a volume and an absolute destination, got "
                        + volume + " at " + destination);
            }
        }
    }

    /** One container of the pod. */
    public record Member(String name, ImageFileSystem image, RuntimeConfig config, List<Mount> mounts) {
        public Member {
            if (name == null || image == null || config == null) {
                throw new IllegalArgumentException("a pod container needs a name, an image and a config, got " + name);
            }
            mounts = List.copyOf(mounts);
        }
    }
}
