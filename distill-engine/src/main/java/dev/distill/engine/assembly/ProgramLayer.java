package dev.distill.engine.assembly;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Xattrs;
import dev.distill.engine.identity.Passwd;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.WritablePlace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes the one layer a program adds to its base: the plan's files exactly as the source has them (type, mode,
 * owner, link target, bytes), the source directories they live in that the base lacks, the writable places, and
 * the base's passwd and group with the program's accounts merged in. Entries are written in path order, so the
 * same plan, source and base always give the same layer. Setuid and setgid bits are dropped, device files and
 * FIFOs are left out, extended attributes follow {@link XattrPolicy} (capabilities dropped unless the plan says why);
 * each is reported.
 */
final class ProgramLayer {

    /**
     * What was written.
     *
     * @param fromSource the source's entries the layer holds (the plan's files, the directories above them, what a
     *     carried symlink hides), as the source has them: for the package records of what the image carries
     */
    record Result(WrittenLayer layer, int files, List<FileChange> changes, List<FileEntry> fromSource) {
    }

    /**
     * What a program's image adds to its base, before it is split into layers: every entry in path order, the
     * number of files among them (entries that are not directories) and what was changed or left out.
     */
    record Planned(TreeMap<String, Entry> entries, int files, List<FileChange> changes) {

        /** The source's entries among these (not the ones made here, such as merged accounts), as the source has them. */
        List<FileEntry> fromSource(ImageFileSystem view) {
            List<FileEntry> out = new ArrayList<>();
            for (Entry e : entries.values()) {
                if (e.bytes() == null) {
                    view.entry(e.path()).filter(f -> f.type() == e.type()).ifPresent(out::add);
                }
            }
            return out;
        }
    }

    /** One entry to write; content comes from the source for regular files. */
    record Entry(String path, FileType type, int mode, int uid, int gid, String linkTarget, byte[] bytes, Xattrs xattrs) {
        Entry(String path, FileType type, int mode, int uid, int gid, String linkTarget, byte[] bytes) {
            this(path, type, mode, uid, gid, linkTarget, bytes, Xattrs.NONE);
        }

        /** The same entry in every respect a layer records (a record's own equals compares arrays by identity). */
        boolean sameAs(Entry o) {
            return path.equals(o.path) && type == o.type && mode == o.mode && uid == o.uid && gid == o.gid
                    && Objects.equals(linkTarget, o.linkTarget) && Arrays.equals(bytes, o.bytes) && xattrs.equals(o.xattrs);
        }
    }

    private ProgramLayer() {
    }

    /** Plans and writes the layer in one go (a program on its own). */
    static Result write(ProgramPlan plan, SourceContent source, ImageFileSystem base, Path target)
            throws IOException, AssemblyException {
        Planned planned = plan(plan, source, BaseContent.of(base));
        return new Result(write(planned.entries(), source, target), planned.files(), planned.changes(),
                planned.fromSource(source.view()));
    }

    /** Everything the program adds to its base: the plan's files, their directories, places and accounts. */
    static Planned plan(ProgramPlan plan, SourceContent source, BaseContent baseContent) throws IOException, AssemblyException {
        ImageFileSystem view = source.view();
        ImageFileSystem base = baseContent.view();
        TreeMap<String, Entry> entries = new TreeMap<>();
        List<FileChange> changes = new ArrayList<>();

        for (CarriedFile f : plan.files()) {
            FileEntry actual = view.entry(f.path()).orElseThrow(() -> new AssemblyException("the plan carries " + f.path()
                    + " (" + f.reason() + "), but the source image has no such file"));
            if (actual.type() != f.type()) {
                throw new AssemblyException("the plan carries " + f.path() + " as a " + f.type() + ", but the source has a "
                        + actual.type() + " there: the plan is not for this image");
            }
            add(entries, changes, actual, f.capabilityReason());
            if (entries.containsKey(f.path()) && (f.uid() != actual.uid() || f.gid() != actual.gid())) {
                // The plan owns it otherwise: an ownership fix of the entrypoint, for the user the result runs as.
                Entry e = entries.get(f.path());
                entries.put(f.path(), new Entry(e.path(), e.type(), e.mode(), f.uid(), f.gid(), e.linkTarget(), e.bytes(), e.xattrs()));
                changes.add(new FileChange(f.path(), "owner " + actual.uid() + ":" + actual.gid() + " -> " + f.uid() + ":"
                        + f.gid() + " as the plan says (" + f.reason() + ")"));
            }
        }
        carryWhatASymlinkHides(entries, changes, view, base, source);
        leaveOutWhatTheBaseHas(entries, changes, baseContent, source);
        // The directories the carried files live in: the base's own where it has them, the source's otherwise.
        for (String path : List.copyOf(entries.keySet())) {
            for (String dir = parent(path); !dir.equals("/"); dir = parent(dir)) {
                if (entries.containsKey(dir) || isDirectory(base, dir)) {
                    continue;
                }
                Optional<FileEntry> d = view.entry(dir);
                if (d.isEmpty()) {
                    throw new AssemblyException("the source has no directory " + dir + " above the carried " + path);
                }
                add(entries, changes, d.get(), null);
            }
        }
        // The plan's places are already owned as the program runs in the result (its run-as identity).
        for (WritablePlace w : plan.writablePlaces()) {
            int uid = w.uid();
            int gid = w.gid();
            Optional<FileEntry> inBase = base.entry(w.path());
            if (w.path().equals("/tmp") && inBase.isPresent() && inBase.get().isDirectory() && inBase.get().mode() == 01777) {
                continue; // every distroless base has a 1777 /tmp
            }
            entries.put(w.path(), new Entry(w.path(), FileType.DIRECTORY, w.mode() & 07777, uid, gid, null, null));
            for (String dir = parent(w.path()); !dir.equals("/"); dir = parent(dir)) {
                if (!entries.containsKey(dir) && !isDirectory(base, dir)) {
                    entries.put(dir, new Entry(dir, FileType.DIRECTORY, 0755, 0, 0, null, null));
                }
            }
        }
        mergeAccounts(plan, baseContent, entries);
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry entry = e.getValue();
            if (entry.type() == FileType.SYMLINK && isDirectory(base, e.getKey()) && !isDirectory(view, e.getKey())) {
                changes.add(new FileChange(e.getKey(), "the source's symlink to " + entry.linkTarget()
                        + " replaces the base's directory (a usr-merged source); everything the program loads through it is carried"));
            }
        }
        return new Planned(entries, (int) entries.values().stream().filter(e -> e.type() != FileType.DIRECTORY).count(),
                changes);
    }

    /**
     * A carried file or symlink the base already has at the same path, byte for byte and with the same mode, owner
     * and attributes, is not written again: the image would hold the same file twice. Files of a hard link group
     * stay, so that the group is written whole.
     */
    private static void leaveOutWhatTheBaseHas(TreeMap<String, Entry> entries, List<FileChange> changes, BaseContent base,
            SourceContent source) throws IOException {
        Set<String> linked = hardLinked(entries);
        List<String> same = new ArrayList<>();
        long bytes = 0;
        for (Entry e : List.copyOf(entries.values())) {
            if (e.bytes() != null || linked.contains(e.path())
                    || e.type() != FileType.REGULAR && e.type() != FileType.SYMLINK) {
                continue;
            }
            long size = e.type() == FileType.REGULAR ? source.size(e.path()) : 0;
            if (e.type() == FileType.REGULAR && size < 0) {
                continue; // reported when the layer is written
            }
            if (base.holds(e, size, () -> source.sha256(e.path()))) {
                entries.remove(e.path());
                same.add(e.path());
                bytes += size;
            }
        }
        if (!same.isEmpty()) {
            changes.add(new FileChange("/", same.size() + " carried files (" + bytes + " bytes) left to the base, which has "
                    + "them at the same paths byte for byte with the same mode and owner: " + summary(same)));
        }
    }

    /** The paths of every hard link and of every file a hard link names. */
    static Set<String> hardLinked(Map<String, Entry> entries) {
        Set<String> linked = new HashSet<>();
        for (Entry e : entries.values()) {
            if (e.type() == FileType.HARDLINK) {
                linked.add(e.path());
                linked.add(e.linkTarget());
            }
        }
        return linked;
    }

    /**
     * A carried source symlink that replaces a base directory (a usr-merged source's {@code /lib -> usr/lib} over a
     * Debian 12 base's {@code /lib}) hides everything the base has there, including what the base's own
     * configuration makes glibc load that no analysis of the program sees: the NSS modules its
     * {@code nsswitch.conf} names ({@code compat}), gconv modules. So for every file the base has under such a
     * directory, the source's file at the same path (through the symlink) is carried: the source's, since its libc
     * is the one carried. Base files the source has no counterpart for are reported.
     */
    private static void carryWhatASymlinkHides(TreeMap<String, Entry> entries, List<FileChange> changes, ImageFileSystem view,
            ImageFileSystem base, SourceContent source) throws IOException {
        List<FileEntry> toRead = new ArrayList<>();
        for (Entry link : List.copyOf(entries.values())) {
            if (link.type() != FileType.SYMLINK || !isDirectory(base, link.path()) || isDirectory(view, link.path())) {
                continue;
            }
            String prefix = link.path() + "/";
            List<String> carried = new ArrayList<>();
            List<String> lost = new ArrayList<>();
            for (FileEntry hidden : base.entries().filter(b -> b.path().startsWith(prefix) && !b.isDirectory()).toList()) {
                Optional<FileEntry> parent = view.resolve(parent(hidden.path()));
                Optional<FileEntry> same = parent.filter(FileEntry::isDirectory)
                        .flatMap(d -> view.entry(d.path() + hidden.path().substring(hidden.path().lastIndexOf('/'))));
                if (same.isEmpty() || same.get().type() == FileType.HARDLINK
                        || same.get().type() != FileType.SYMLINK && same.get().type() != FileType.REGULAR) {
                    lost.add(hidden.path());
                    continue;
                }
                FileEntry f = same.get();
                if (f.isSymlink()) {
                    // The link's target is what gets loaded: carry it too, when it is a file of the source.
                    Optional<FileEntry> target = view.resolve(f.path()).filter(FileEntry::isRegular);
                    if (target.isEmpty()) {
                        lost.add(hidden.path());
                        continue;
                    }
                    if (!entries.containsKey(target.get().path())) {
                        add(entries, changes, target.get(), null);
                        toRead.add(target.get());
                    }
                }
                if (!entries.containsKey(f.path())) {
                    add(entries, changes, f, null);
                    carried.add(f.path());
                    if (f.isRegular()) {
                        toRead.add(f);
                    }
                }
            }
            if (!carried.isEmpty()) {
                changes.add(new FileChange(link.path(), carried.size() + " files the base has under " + link.path()
                        + ", which the source's symlink hides, carried from the source (where glibc and the base's own "
                        + "configuration look for them: NSS and gconv modules): " + summary(carried)));
            }
            if (!lost.isEmpty()) {
                changes.add(new FileChange(link.path(), lost.size() + " files the base has under " + link.path()
                        + " are hidden by the source's symlink and the source has none of them: " + summary(lost)));
            }
        }
        source.ensure(toRead);
    }

    private static String summary(List<String> paths) {
        return paths.size() <= 8 ? String.join(", ", paths) : String.join(", ", paths.subList(0, 8)) + " and " + (paths.size() - 8) + " more";
    }

    private static void add(TreeMap<String, Entry> entries, List<FileChange> changes, FileEntry f, String capabilityReason) {
        switch (f.type()) {
            case CHAR_DEVICE:
            case BLOCK_DEVICE:
            case FIFO:
                changes.add(new FileChange(f.path(), "left out: a " + f.type().name().toLowerCase().replace('_', ' ')
                        + " (the runtime provides /dev)"));
                return;
            default:
                break;
        }
        int mode = f.mode() & 07777;
        if ((mode & 06000) != 0 && f.type() != FileType.DIRECTORY) {
            changes.add(new FileChange(f.path(), "setuid/setgid bits dropped (mode " + Integer.toOctalString(mode) + " -> "
                    + Integer.toOctalString(mode & 01777) + ")"));
            mode &= 01777;
        }
        // A hard link has its target's attributes (one inode): whichever name of the group is written as the file
        // carries them. A symlink's own attributes are left out: a runtime cannot set user.* ones on it anyway.
        Xattrs xattrs = Xattrs.NONE;
        if (f.type() == FileType.SYMLINK && !f.xattrs().isEmpty()) {
            changes.add(new FileChange(f.path(), "extended attributes of the symlink itself left out: " + f.xattrs()));
        } else if (f.type() != FileType.SYMLINK) {
            XattrPolicy.Decision decision = XattrPolicy.decide(f, capabilityReason);
            changes.addAll(decision.changes());
            xattrs = decision.kept();
        }
        entries.put(f.path(), new Entry(f.path(), f.type(), mode, f.uid(), f.gid(), f.linkTarget(), null, xattrs));
    }

    /**
     * The base's {@code /etc/passwd} and {@code /etc/group} plus the accounts the program names, with the source's
     * ids. The base's own lines win: an account whose name or id the base already uses is not added again.
     */
    private static void mergeAccounts(ProgramPlan plan, BaseContent baseContent, TreeMap<String, Entry> entries)
            throws IOException, AssemblyException {
        ImageFileSystem base = baseContent.view();
        String passwdText = baseContent.text("/etc/passwd");
        String groupText = baseContent.text("/etc/group");
        Passwd known = Passwd.parse(passwdText, groupText, new ArrayList<>());
        StringBuilder passwd = new StringBuilder(passwdText.isEmpty() || passwdText.endsWith("\n") ? passwdText : passwdText + "\n");
        StringBuilder group = new StringBuilder(groupText.isEmpty() || groupText.endsWith("\n") ? groupText : groupText + "\n");
        List<Account> accounts = plan.accounts();
        boolean changed = false;
        for (Account a : accounts) {
            if (known.user(a.user()).isEmpty() && known.user(String.valueOf(a.uid())).isEmpty()) {
                passwd.append(a.user()).append(":x:").append(a.uid()).append(':').append(a.gid()).append(':')
                        .append(a.user()).append(':').append(a.home() == null || a.home().isEmpty() ? "/nonexistent" : a.home())
                        .append(":/sbin/nologin\n");
                known = Passwd.parse(passwd.toString(), group.toString(), new ArrayList<>());
                changed = true;
            }
            String groupName = a.group() == null || a.group().isEmpty() || a.group().matches("[0-9]+") ? a.user() : a.group();
            if (known.group(groupName).isEmpty() && known.group(String.valueOf(a.gid())).isEmpty()) {
                group.append(groupName).append(":x:").append(a.gid()).append(":\n");
                known = Passwd.parse(passwd.toString(), group.toString(), new ArrayList<>());
                changed = true;
            }
        }
        if (!changed) {
            return;
        }
        if (!isDirectory(base, "/etc")) {
            throw new AssemblyException("the base has no /etc to merge the program's accounts into");
        }
        entries.put("/etc/passwd", new Entry("/etc/passwd", FileType.REGULAR, 0644, 0, 0, null,
                passwd.toString().getBytes(StandardCharsets.UTF_8)));
        entries.put("/etc/group", new Entry("/etc/group", FileType.REGULAR, 0644, 0, 0, null,
                group.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes entries (a program's own, or the files several programs share) as one layer, in path order. */
    static WrittenLayer write(TreeMap<String, Entry> entries, SourceContent source, Path target)
            throws IOException, AssemblyException {
        // A hard link group is written as one file (its first name in path order) and links to it, so the link
        // always follows its target in the archive.
        Map<String, String> firstOfGroup = new TreeMap<>();
        for (Entry e : entries.values()) {
            if (e.type() == FileType.HARDLINK) {
                String group = e.linkTarget();
                String first = firstOfGroup.get(group);
                if (first == null || e.path().compareTo(first) < 0) {
                    firstOfGroup.put(group, e.path());
                }
                if (entries.containsKey(group) && group.compareTo(firstOfGroup.get(group)) < 0) {
                    firstOfGroup.put(group, group);
                }
            }
        }
        try (LayerWriter w = new LayerWriter(target)) {
            for (Entry e : entries.values()) {
                switch (e.type()) {
                    case DIRECTORY:
                        w.directory(e.path(), e.mode(), e.uid(), e.gid(), e.xattrs());
                        break;
                    case SYMLINK:
                        w.symlink(e.path(), e.linkTarget(), e.uid(), e.gid());
                        break;
                    case HARDLINK:
                    case REGULAR:
                        String group = e.type() == FileType.HARDLINK ? e.linkTarget() : e.path();
                        String first = firstOfGroup.getOrDefault(group, e.path());
                        if (!first.equals(e.path())) {
                            w.hardlink(e.path(), first, e.uid(), e.gid());
                        } else if (e.bytes() != null) {
                            // only the accounts the builder writes itself: no attributes
                            w.file(e.path(), e.mode(), e.uid(), e.gid(), e.bytes());
                        } else {
                            writeContent(w, e, source);
                        }
                        break;
                    default:
                        throw new IllegalStateException("unexpected entry type " + e.type() + " at " + e.path());
                }
            }
            return w.finish();
        }
    }

    private static void writeContent(LayerWriter w, Entry e, SourceContent source) throws IOException, AssemblyException {
        long size = source.size(e.path());
        if (size < 0) {
            throw new AssemblyException("the bytes of " + e.path() + " were not found in the source's layers");
        }
        try (InputStream in = source.open(e.path())) {
            w.file(e.path(), e.mode(), e.uid(), e.gid(), size, in, e.xattrs());
        }
    }

    private static boolean isDirectory(ImageFileSystem fs, String path) {
        return fs.entry(path).map(FileEntry::isDirectory).orElse(false);
    }

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }
}
