package dev.distill.engine.detect;

import dev.distill.engine.plan.Probe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link ProgramKind} knows of one program, as typed data: the files it needs (with why), the places it
 * writes (and as whom), what it listens on and connects to, the accounts it switches to or looks up, how it stops,
 * how to check it works, and for a process manager the programs it runs. Generic code reads only this.
 *
 * @param kind the kind's name, or the names of several kinds that each know part of the program ({@code python+gunicorn})
 * @param carry the files to carry, each with its reason
 * @param places where it writes
 * @param listens the TCP ports and unix sockets it listens on, as its configuration says
 * @param listensKnown whether {@code listens} is all it listens on (a kind that reads the program's configuration
 *     knows; a bare interpreter running a script does not)
 * @param connects the unix sockets it connects to (another program's {@link Listen#socket})
 * @param accounts the users and groups it switches to or looks up
 * @param stopSignal the signal that stops it gracefully, null when the kind has no better one than the image's
 * @param probes how a verifier sees that it works
 * @param children for a process manager (supervisord): the programs it runs, which replace it
 * @param notes what the kind found worth saying (a missing file, what was left out and why)
 */
public record ProgramProfile(String kind, List<Carry> carry, List<Place> places, List<Listen> listens,
        boolean listensKnown, List<Connect> connects, List<AccountUse> accounts, String stopSignal, List<Probe> probes,
        List<Child> children, List<Note> notes) {

    public ProgramProfile {
        Objects.requireNonNull(kind, "kind");
        carry = List.copyOf(carry);
        places = List.copyOf(places);
        listens = List.copyOf(listens);
        connects = List.copyOf(connects);
        accounts = List.copyOf(accounts);
        probes = List.copyOf(probes);
        children = List.copyOf(children);
        notes = List.copyOf(notes);
    }

    public static Builder builder(String kind) {
        return new Builder(kind);
    }

    /** Whether this program only manages others (its children replace it). */
    public boolean supervises() {
        return !children.isEmpty();
    }

    /**
     * Several kinds' knowledge of one program (a Python interpreter and the gunicorn it runs), in the order the
     * kinds were asked: lists joined, the first stop signal, {@code listensKnown} when any kind knows.
     */
    public static ProgramProfile merge(List<ProgramProfile> profiles) {
        if (profiles.size() == 1) {
            return profiles.get(0);
        }
        Builder b = new Builder(String.join("+", profiles.stream().map(ProgramProfile::kind).toList()));
        for (ProgramProfile p : profiles) {
            b.carry.addAll(p.carry);
            b.places.addAll(p.places);
            b.listens.addAll(p.listens);
            b.listensKnown |= p.listensKnown;
            b.connects.addAll(p.connects);
            b.accounts.addAll(p.accounts);
            if (b.stopSignal == null) {
                b.stopSignal = p.stopSignal;
            }
            b.probes.addAll(p.probes);
            b.children.addAll(p.children);
            b.notes.addAll(p.notes);
        }
        return b.build();
    }

    /** How a file is carried. */
    public enum How {
        /** The path itself; a link with what it points at. */
        FILE,
        /** A directory and everything below it, except {@link Carry#excluding}. */
        TREE,
        /** A shared object the program loads with {@code dlopen}: it and what its own loader loads for it. */
        OBJECT
    }

    /**
     * A file to carry.
     *
     * @param path absolute
     * @param excluding for a tree, the paths below it that are left out (carried only as far as another carry says)
     * @param application whether the tree is the application's own (its code and data, a document root), as opposed
     *     to a library or the program's configuration: where the image may have given the program places to write
     */
    public record Carry(String path, How how, String reason, List<String> excluding, boolean application) {
        public Carry {
            if (path == null || !path.startsWith("/") || how == null || reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("a carry needs an absolute path, a way and a reason, got " + path
                        + ", " + how + ", " + reason);
            }
            excluding = List.copyOf(excluding);
        }
    }

    /** Whose rights a place is written with. */
    public enum Writer {
        /** The user the program starts as. */
        PROGRAM,
        /** The account the program switches to for its work ({@link AccountUse.Role#SWITCHES_TO}). */
        WORKER
    }

    /**
     * A place the program writes.
     *
     * @param createsEntry true when the program creates {@code path} itself in its directory (a pid file, a socket, a
     *     log), false when it writes inside {@code path} (a temp or data directory)
     * @param file the configuration file naming it and {@code line} there ({@code ""}, 0 when none does)
     */
    public record Place(String path, Writer writer, boolean createsEntry, String purpose, String file, int line) {
        public Place {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(writer, "writer");
            Objects.requireNonNull(purpose, "purpose");
            file = file == null ? "" : file;
        }
    }

    /**
     * Something it listens on: a TCP port or a unix socket.
     *
     * @param port 1-65535, or 0 for a socket
     * @param socket the socket's path, {@code ""} for a port
     * @param http whether it speaks HTTP there
     */
    public record Listen(int port, String socket, boolean http, String file, int line) {
        public Listen {
            socket = socket == null ? "" : socket;
            file = file == null ? "" : file;
            if (port < 0 || port > 65535 || (port == 0) == socket.isEmpty()) {
                throw new IllegalArgumentException("a listen is a port 1-65535 or a socket path, got " + port + ", '" + socket + "'");
            }
        }

        public static Listen port(int port, boolean http, String file, int line) {
            return new Listen(port, "", http, file, line);
        }

        public static Listen socket(String path, String file, int line) {
            return new Listen(0, path, false, file, line);
        }
    }

    /** A unix socket it connects to, named by {@code directive} at {@code file:line}. */
    public record Connect(String socket, String directive, String file, int line) {
    }

    /**
     * A user (and group) it names.
     *
     * @param user the user as written, {@code ""} when only a group is named
     * @param group the group as written, {@code ""} when none
     */
    public record AccountUse(String user, String group, Role role, String purpose, String file, int line) {
        /** What the program does with the account. */
        public enum Role {
            /** It switches to this account for its work when it starts as root (php-fpm's pool user, nginx's user). */
            SWITCHES_TO,
            /** It only looks it up (a socket's owner). */
            NAMES
        }

        public AccountUse {
            user = user == null ? "" : user;
            group = group == null ? "" : group;
            file = file == null ? "" : file;
        }
    }

    /**
     * A program a process manager runs.
     *
     * @param user the user it ends up running as (what the manager's rules make of its setting)
     * @param stopSignal the signal the manager stops it with, null for the manager's default
     */
    public record Child(String name, List<String> argv, String user, String workingDir, Map<String, String> environment,
            String stopSignal, String file, int line) {
        public Child {
            argv = List.copyOf(argv);
            environment = Map.copyOf(environment);
        }
    }

    /** A finding of the kind about this program. */
    public record Note(Finding.Kind kind, String path, int line, String reason) {
        public Note {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(reason, "reason");
            path = path == null ? "" : path;
        }
    }

    /** Collects a profile. */
    public static final class Builder {
        private final String kind;
        private final List<Carry> carry = new ArrayList<>();
        private final List<Place> places = new ArrayList<>();
        private final List<Listen> listens = new ArrayList<>();
        private boolean listensKnown;
        private final List<Connect> connects = new ArrayList<>();
        private final List<AccountUse> accounts = new ArrayList<>();
        private String stopSignal;
        private final List<Probe> probes = new ArrayList<>();
        private final List<Child> children = new ArrayList<>();
        private final List<Note> notes = new ArrayList<>();

        private Builder(String kind) {
            this.kind = kind;
        }

        /** A file (a link with its target); nothing for an empty path. */
        public Builder file(String path, String reason) {
            if (path != null && path.startsWith("/")) {
                carry.add(new Carry(path, How.FILE, reason, List.of(), false));
            }
            return this;
        }

        public Builder tree(String path, String reason) {
            return tree(path, reason, List.of());
        }

        public Builder tree(String path, String reason, List<String> excluding) {
            if (path != null && path.startsWith("/")) {
                carry.add(new Carry(path, How.TREE, reason, excluding, false));
            }
            return this;
        }

        /** The application's own tree: carried whole, except {@code excluding}. */
        public Builder application(String path, String reason, List<String> excluding) {
            if (path != null && path.startsWith("/")) {
                carry.add(new Carry(path, How.TREE, reason, excluding, true));
            }
            return this;
        }

        public Builder application(String path, String reason) {
            return application(path, reason, List.of());
        }

        public Builder object(String path, String reason) {
            if (path != null && path.startsWith("/")) {
                carry.add(new Carry(path, How.OBJECT, reason, List.of(), false));
            }
            return this;
        }

        public Builder place(String path, Writer writer, boolean createsEntry, String purpose, String file, int line) {
            if (path != null && path.startsWith("/")) {
                places.add(new Place(path, writer, createsEntry, purpose, file, line));
            }
            return this;
        }

        public Builder listen(Listen listen) {
            listens.add(listen);
            return this;
        }

        /** Says that {@link #listen} was given everything the program listens on. */
        public Builder listensKnown() {
            listensKnown = true;
            return this;
        }

        public Builder connect(String socket, String directive, String file, int line) {
            connects.add(new Connect(socket, directive, file, line));
            return this;
        }

        public Builder account(String user, String group, AccountUse.Role role, String purpose, String file, int line) {
            accounts.add(new AccountUse(user, group, role, purpose, file, line));
            return this;
        }

        public Builder stopSignal(String signal) {
            stopSignal = signal;
            return this;
        }

        public Builder probe(Probe probe) {
            probes.add(probe);
            return this;
        }

        public Builder child(Child child) {
            children.add(child);
            return this;
        }

        public Builder note(Finding.Kind kind, String path, int line, String reason) {
            notes.add(new Note(kind, path, line, reason));
            return this;
        }

        public ProgramProfile build() {
            return new ProgramProfile(kind, carry, places, listens, listensKnown, connects, accounts, stopSignal, probes,
                    children, notes);
        }
    }
}
