package dev.distill.engine.wiring;

import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.WritablePlace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rules that turn a plan into a {@link PodWiring}; each is written down in docs/wiring.md.
 *
 * <p>Every writable place gets a volume of its own, because the root filesystem is read-only: a place another
 * program shares ({@code sharedWith}) becomes one pod-scoped volume mounted at the same path in each, any other
 * place a container-scoped one. Places at or under {@code /tmp} and {@code /run} are memory-backed. Every
 * container also gets a {@code /tmp} (1777): the distroless base promises one, and the analysis counts on it.
 */
final class WiringDerivation {

    static final String TMP = "/tmp";
    private static final List<String> MEMORY_ROOTS = List.of("/tmp", "/run", "/var/run", "/dev/shm");
    /** What a root process needs to hand work to an unprivileged account and still manage its workers. */
    static final List<String> PRIVILEGE_DROP_CAPABILITIES = List.of("CHOWN", "KILL", "SETGID", "SETUID");

    private final MigrationPlan plan;
    private final Map<String, ImageReference> images;
    private final List<WiringNote> notes = new ArrayList<>();

    WiringDerivation(MigrationPlan plan, Map<String, ImageReference> images) {
        if (plan == null || images == null) {
            throw new IllegalArgumentException("wiring needs a plan and the pushed images, got " + plan + ", " + images);
        }
        this.plan = plan;
        this.images = images;
    }

    /** A place as one volume sees it: the path, the first definition the plan gives, and who mounts it. */
    private static final class Place {
        final String path;
        final WritablePlace definition;
        final String definedBy;
        final Set<String> programs = new LinkedHashSet<>();
        String volume;

        Place(String path, WritablePlace definition, String definedBy) {
            this.path = path;
            this.definition = definition;
            this.definedBy = definedBy;
        }
    }

    PodWiring derive(String podName) {
        if (plan.programs().isEmpty()) {
            throw new IllegalArgumentException("the plan has no program, so there is nothing to wire");
        }
        String pod = DnsLabels.sanitize(podName, "app");
        // Programs and init programs share the pod's volumes (an init step writes where the programs read); the init
        // ones run to completion first, in order.
        Map<String, ProgramPlan> programs = new LinkedHashMap<>();
        Set<String> inits = new LinkedHashSet<>();
        DnsLabels.Allocator containerNames = new DnsLabels.Allocator();
        Map<String, String> containerOf = new HashMap<>();
        for (ProgramPlan p : plan.programs()) {
            add(programs, containerNames, containerOf, p);
        }
        for (ProgramPlan p : plan.prestart().init()) {
            add(programs, containerNames, containerOf, p);
            inits.add(p.name());
        }

        Map<String, Map<String, WritablePlace>> places = new HashMap<>();
        for (ProgramPlan p : programs.values()) {
            places.put(p.name(), places(p));
        }
        Map<String, Place> shared = sharedPlaces(programs, places);
        DnsLabels.Allocator volumeNames = new DnsLabels.Allocator();
        List<Volume> volumes = new ArrayList<>();
        for (Place place : shared.values()) {
            place.volume = volumeNames.allocate(place.path, "shared");
            volumes.add(volume(place.volume, VolumeScope.POD, place.path, place.definition));
        }

        Map<ContainerPort, String> portOwner = new HashMap<>();
        List<ContainerWiring> containers = new ArrayList<>();
        List<ContainerWiring> initContainers = new ArrayList<>();
        boolean lowPortsForNonRoot = false;
        for (ProgramPlan p : programs.values()) {
            String container = containerOf.get(p.name());
            List<VolumeMount> mounts = new ArrayList<>();
            for (Place place : shared.values()) {
                if (place.programs.contains(p.name())) {
                    mounts.add(new VolumeMount(place.volume, place.path, false));
                }
            }
            Map<String, WritablePlace> own = new TreeMap<>();
            for (Map.Entry<String, WritablePlace> e : places.get(p.name()).entrySet()) {
                Place sharedPlace = shared.get(e.getKey());
                if (sharedPlace == null || !sharedPlace.programs.contains(p.name())) {
                    own.put(e.getKey(), e.getValue());
                }
            }
            if (mounts.stream().noneMatch(m -> m.path().equals(TMP)) && !own.containsKey(TMP)) {
                own.put(TMP, new WritablePlace(TMP, 0, 0, 01777, "temporary files (the distroless base's /tmp)", null));
            }
            for (Map.Entry<String, WritablePlace> e : own.entrySet()) {
                String name = volumeNames.allocate(container + "-" + e.getKey(), container);
                volumes.add(volume(name, VolumeScope.CONTAINER, e.getKey(), e.getValue()));
                mounts.add(new VolumeMount(name, e.getKey(), false));
            }
            // Parents before children: runtimes mount in the order given, and a child mounted first would be hidden.
            mounts.sort(Comparator.comparing(VolumeMount::path));

            Identity user = p.runAs();
            boolean init = inits.contains(p.name());
            Set<ContainerPort> exposed = init ? Set.of() : ports(p, container);
            List<ContainerPort> declared = declare(container, exposed, portOwner);
            boolean lowPort = exposed.stream().anyMatch(ContainerPort::privileged);
            lowPortsForNonRoot |= lowPort && !user.isRoot();
            ContainerWiring wired = new ContainerWiring(container, p.name(), image(p), p.command(), user,
                    blankToNull(p.workingDir()), p.env(), declared, stopSignal(p), mounts, capabilities(p, user, lowPort));
            (init ? initContainers : containers).add(wired);
        }
        for (dev.distill.engine.plan.PrestartStep step : plan.prestart().steps()) {
            if (step.initProgram() != null) {
                notes.add(new WiringNote(step.where(), "init container " + containerOf.get(step.initProgram()) + " runs `"
                        + step.text() + "` before the programs, as the source's entrypoint did at " + step.where() + ": "
                        + step.reason()));
            }
        }
        List<Sysctl> sysctls = lowPortsForNonRoot ? List.of(Sysctl.UNPRIVILEGED_LOW_PORTS) : List.of();
        return new PodWiring(pod, initContainers, containers, volumes, sysctls, notes);
    }

    private static void add(Map<String, ProgramPlan> programs, DnsLabels.Allocator names, Map<String, String> containerOf,
            ProgramPlan p) {
        if (programs.put(p.name(), p) != null) {
            throw new IllegalArgumentException("the plan names two programs '" + p.name()
                    + "'; their images could not be told apart");
        }
        containerOf.put(p.name(), names.allocate(p.name(), "program"));
    }

    /**
     * The ports this container declares: those no earlier container declared. One network namespace means one
     * bind per port, and the plan copies the image-wide EXPOSE to every program, so a repeat is noted, not fatal.
     */
    private List<ContainerPort> declare(String container, Set<ContainerPort> exposed,
            Map<ContainerPort, String> portOwner) {
        List<ContainerPort> declared = new ArrayList<>();
        for (ContainerPort port : exposed) {
            String owner = portOwner.putIfAbsent(port, container);
            if (owner == null) {
                declared.add(port);
            } else {
                notes.add(new WiringNote(port.toString(), "programs " + owner + " and " + container
                        + " both expose " + port + "; containers of a pod share one network namespace, so only one"
                        + " of them can bind it. Declared on " + owner + ", the first in the plan; the image's"
                        + " EXPOSE is image-wide, so the plan cannot say which program listens"));
            }
        }
        return declared;
    }

    /** Groups the shared places by path, in the order the plan first names them. */
    private Map<String, Place> sharedPlaces(Map<String, ProgramPlan> programs,
            Map<String, Map<String, WritablePlace>> places) {
        Map<String, Place> shared = new LinkedHashMap<>();
        for (ProgramPlan p : programs.values()) {
            for (Map.Entry<String, WritablePlace> e : places.get(p.name()).entrySet()) {
                String path = e.getKey();
                WritablePlace w = e.getValue();
                if (w.sharedWith().isEmpty()) {
                    continue;
                }
                Place place = shared.get(path);
                if (place == null) {
                    place = new Place(path, w, p.name());
                    shared.put(path, place);
                } else if (place.definition.uid() != w.uid() || place.definition.gid() != w.gid()
                        || place.definition.mode() != w.mode()) {
                    notes.add(new WiringNote(path, "programs " + place.definedBy + " and " + p.name() + " want shared "
                            + path + " with different owners or modes (" + describe(place.definition) + " against "
                            + describe(w) + "); created as " + place.definedBy + " wants it, the first in the plan"));
                }
                place.programs.add(p.name());
                for (String other : w.sharedWith()) {
                    if (programs.containsKey(other)) {
                        place.programs.add(other);
                    } else {
                        notes.add(new WiringNote(path, "program " + p.name() + " shares " + path + " with '" + other
                                + "', which is not a program of this plan; mounted only where a program uses it"));
                    }
                }
            }
        }
        return shared;
    }

    private Volume volume(String name, VolumeScope scope, String path, WritablePlace w) {
        return new Volume(name, scope, medium(path), w.uid(), w.gid(), w.mode() & 07777, w.why());
    }

    static Medium medium(String path) {
        for (String root : MEMORY_ROOTS) {
            if (path.equals(root) || path.startsWith(root + "/")) {
                return Medium.MEMORY;
            }
        }
        return Medium.DISK;
    }

    /**
     * A program's places by normalised path, in the plan's order. The analysis names a place once per reason,
     * so one directory can appear twice: the first definition wins, except that a shared one beats one that is not.
     */
    private Map<String, WritablePlace> places(ProgramPlan p) {
        Map<String, WritablePlace> byPath = new LinkedHashMap<>();
        for (WritablePlace w : p.writablePlaces()) {
            String path = normalise(p.name(), w.path());
            if (path != null) {
                byPath.merge(path, w, (first, later) ->
                        first.sharedWith().isEmpty() && !later.sharedWith().isEmpty() ? later : first);
            }
        }
        return byPath;
    }

    /** The path without repeated or trailing slashes; null, with a note, when no volume can be mounted there. */
    private String normalise(String who, String raw) {
        String path = raw == null ? "" : raw.replaceAll("/+", "/");
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (!path.startsWith("/") || path.equals("/") || path.contains("/../") || path.endsWith("/..")
                || path.contains("/./") || path.endsWith("/.")) {
            notes.add(new WiringNote(raw, who + " writes to '" + raw + "', where no volume can be mounted; the read-only"
                    + " root filesystem will refuse those writes"));
            return null;
        }
        return path;
    }

    private ContainerImage image(ProgramPlan p) {
        ImageReference pushed = images.get(p.name());
        if (pushed == null) {
            throw new IllegalArgumentException("no pushed image for program '" + p.name() + "' (images are given for "
                    + new TreeSet<>(images.keySet()) + ")");
        }
        return ContainerImage.of(pushed);
    }

    private Set<ContainerPort> ports(ProgramPlan p, String container) {
        Set<ContainerPort> ports = new TreeSet<>();
        for (String text : p.exposedPorts()) {
            try {
                ports.add(ContainerPort.parse(text));
            } catch (IllegalArgumentException e) {
                notes.add(new WiringNote(text, container + ": left out exposed port '" + text + "': " + e.getMessage()));
            }
        }
        return ports;
    }

    /**
     * Every container drops all capabilities; a root program gets back only what its plan shows it uses: the
     * accounts name an unprivileged user, so it starts as root and hands its work to that user (CHOWN for its
     * sockets and temp directories, SETUID/SETGID to switch, KILL to signal the workers that then run under
     * another uid), and NET_BIND_SERVICE when it exposes a port below 1024. A non-root program gets nothing:
     * Kubernetes would add a capability to the bounding set only, never to what the process holds, so low
     * ports are opened with the network namespace's unprivileged-port sysctl instead.
     */
    private static List<String> capabilities(ProgramPlan p, Identity user, boolean lowPort) {
        if (!user.isRoot()) {
            return List.of();
        }
        Set<String> caps = new TreeSet<>();
        if (p.accounts().stream().anyMatch(a -> a.uid() != 0)) {
            caps.addAll(PRIVILEGE_DROP_CAPABILITIES);
        }
        if (lowPort) {
            caps.add("NET_BIND_SERVICE");
        }
        return List.copyOf(caps);
    }

    /** {@code SIGQUIT} for {@code QUIT}, {@code quit} or {@code SIGQUIT}; a number stays a number. */
    private static String stopSignal(ProgramPlan p) {
        String s = blankToNull(p.stopSignal());
        if (s == null || s.matches("[0-9]+")) {
            return s;
        }
        s = s.toUpperCase(Locale.ROOT);
        return s.startsWith("SIG") ? s : "SIG" + s;
    }

    private static String describe(WritablePlace w) {
        return w.uid() + ":" + w.gid() + " " + String.format("%04o", w.mode() & 07777);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
