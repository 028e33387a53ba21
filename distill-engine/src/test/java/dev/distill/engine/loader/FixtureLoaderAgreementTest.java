package dev.distill.engine.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfObjects;
import dev.distill.engine.fs.DirectoryFileSystem;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The resolver against the real loaders of the fixture images ({@code fixtures/}): each fixture's root
 * filesystem is built with {@code fixtures/build.sh NAME --rootfs-only} (cached under
 * {@code $DISTILL_FIXTURE_CACHE}, default {@code fixtures/.cache}), {@code fixtures/loader-truth.sh} runs the
 * image's own loader in a chroot on every ELF with a DT_NEEDED, and {@link ElfDependencyResolver} reading the
 * same directory through {@link DirectoryFileSystem} must find, for every one of those ELFs, exactly the same
 * set of (needed name, library) pairs and the same missing names. Then the closures: each ELF's closure alone
 * (a view of the rootfs) resolves the same, and the real loader, run in a directory holding only the closure of
 * a main program or dlopen()ed module, loads the same files as in the full rootfs. loader-truth.sh itself is
 * checked to leave out no ELF with a DT_NEEDED.
 *
 * <p>The fixture scripts need root, apt (network, or a warm cache), musl-tools, busybox-static and binutils.
 * When a fixture cannot be built the test fails and says why: CI builds the fixtures, so a skip would hide a
 * broken machine.
 */
class FixtureLoaderAgreementTest {

    /** The paths and the verdict of one loader line: {@code path} null when the name was not found. */
    record Link(String name, String path) {
    }

    /**
     * A built fixture and what its loader says.
     *
     * @param truth per ELF, the loader's lines in its order
     */
    record Fixture(String name, Path rootfs, DirectoryFileSystem fs, ElfObjects objects,
            SortedMap<String, List<Link>> truth, long buildMillis, long truthMillis) {
    }

    /** Per fixture its {@link Fixture}, or the AssertionError saying why it could not be built (asked once). */
    private static final Map<String, Object> FIXTURES = new ConcurrentHashMap<>();

    @ParameterizedTest
    @ValueSource(strings = {"debian-php", "musl-plugin"})
    void everyElfResolvesAsTheRealLoaderLoadsIt(String name) throws Exception {
        Fixture fx = fixture(name);
        long started = System.nanoTime();
        ElfDependencyResolver resolver = new ElfDependencyResolver(fx.objects(), Map.of(), true);
        List<String> disagreements = new ArrayList<>();
        int links = 0;
        int rawSpelling = 0;
        for (Map.Entry<String, List<Link>> e : fx.truth().entrySet()) {
            String elf = e.getKey();
            ElfResolution r = resolver.resolve(elf);
            SortedMap<String, SortedSet<String>> loader = byName(fx.fs(), e.getValue());
            SortedMap<String, SortedSet<String>> ours = byName(fx.fs(), ours(r));
            links += e.getValue().size();
            TreeSet<String> names = new TreeSet<>(loader.keySet());
            names.addAll(ours.keySet());
            for (String n : names) {
                SortedSet<String> a = ours.getOrDefault(n, new TreeSet<>());
                SortedSet<String> b = loader.getOrDefault(n, new TreeSet<>());
                if (!a.equals(b)) {
                    disagreements.add(elf + "\t" + n + "\tours " + show(a) + "\tloader " + show(b));
                }
            }
            // How often the paths agree only after resolving them (shown, not asserted: see byName).
            SortedSet<String> rawOurs = new TreeSet<>(ours(r).stream().map(FixtureLoaderAgreementTest::raw).toList());
            SortedSet<String> rawLoader = new TreeSet<>(e.getValue().stream().map(FixtureLoaderAgreementTest::raw).toList());
            if (!rawOurs.equals(rawLoader)) {
                rawSpelling++;
            }
        }
        long resolveMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("[agreement] %s: %d ELFs, %d loader lines (name -> library, interpreter included) compared,"
                + " %d disagreements; %d ELFs whose paths are spelt differently before resolving;"
                + " fixture build %d ms, loader-truth %d ms, resolver %d ms%n", name, fx.truth().size(), links,
                disagreements.size(), rawSpelling, fx.buildMillis(), fx.truthMillis(), resolveMillis);
        assertThat(disagreements)
                .as("%s: the resolver and the real loader disagree (%d of %d ELFs; ELF, needed name, ours, the"
                        + " loader's; paths resolved inside the rootfs):%n%s", name,
                        disagreements.stream().map(d -> d.substring(0, d.indexOf('\t'))).distinct().count(),
                        fx.truth().size(), String.join("\n", disagreements))
                .isEmpty();
    }

    /**
     * What a distroless image keeps of an ELF is its closure: an image of only those paths (and their parent
     * directories) must load the same files, without the rest of the rootfs (in particular without
     * {@code /etc/ld.so.cache} unless the closure names it).
     */
    @ParameterizedTest
    @ValueSource(strings = {"debian-php", "musl-plugin"})
    void theClosureAloneLoadsTheSameFiles(String name) throws Exception {
        Fixture fx = fixture(name);
        ElfDependencyResolver full = new ElfDependencyResolver(fx.objects(), Map.of(), true);
        List<String> disagreements = new ArrayList<>();
        long paths = 0;
        for (Map.Entry<String, List<Link>> e : fx.truth().entrySet()) {
            ElfResolution r = full.resolve(e.getKey());
            paths += r.closure().size();
            ImageFileSystem only = new OnlyThese(fx.fs(), r.closure());
            ElfResolution again = new ElfDependencyResolver(new ElfObjects(only), Map.of(), false).resolve(e.getKey());
            SortedMap<String, SortedSet<String>> expected = byName(fx.fs(), e.getValue());
            SortedMap<String, SortedSet<String>> got = byName(fx.fs(), ours(again));
            if (!got.equals(expected)) {
                disagreements.add(e.getKey() + "\tclosure-only " + got + "\tloader " + expected + "\tclosure "
                        + r.closure());
            }
        }
        System.out.printf("[agreement] %s: closure-only images of %d ELFs (%d closure paths in all) checked%n", name,
                fx.truth().size(), paths);
        assertThat(disagreements).as("%s: ELFs whose closure alone loads other files:%n%s", name,
                String.join("\n", disagreements)).isEmpty();
    }

    /**
     * The same with the real loader: the closure of each main program (and of each dlopen()ed module) copied
     * into a directory of its own, as a distroless image would hold it, and loader-truth.sh run there, must give
     * the program the same files as the full rootfs does. Without {@code /etc/ld.so.cache} (unless the closure
     * has it) glibc falls back to its built-in directories; this checks that the resolver's closure relies on
     * nothing else.
     */
    @ParameterizedTest
    @ValueSource(strings = {"debian-php", "musl-plugin"})
    void theRealLoaderLoadsTheSameFilesFromTheClosureAlone(String name, @TempDir Path tmp) throws Exception {
        Fixture fx = fixture(name);
        List<String> programs = fx.truth().keySet().stream().filter(p -> MAIN_PROGRAMS.contains(p)
                || p.startsWith("/usr/lib/php/") || p.startsWith("/usr/lib/nginx/modules/")
                || p.startsWith("/usr/local/")).toList();
        assertThat(programs).as("programs of %s to check", name).isNotEmpty();
        ElfDependencyResolver resolver = new ElfDependencyResolver(fx.objects(), Map.of(), true);
        Path repo = repoRoot();
        List<String> disagreements = new ArrayList<>();
        int i = 0;
        for (String program : programs) {
            ElfResolution r = resolver.resolve(program);
            Path image = Files.createDirectory(tmp.resolve("closure-" + i++));
            materialise(fx, r.closure(), image);
            Run t = run(repo, 5, "fixtures/loader-truth.sh", image.toString());
            assertThat(t.exit()).as("loader-truth.sh in %s's closure: %s", program, t.err()).isZero();
            List<Link> there = t.out().lines().map(l -> l.split("\t", -1)).filter(c -> c[0].equals(program))
                    .map(c -> new Link(c[1], c[2].equals("not found") ? null : c[2])).toList();
            DirectoryFileSystem imageFs = new DirectoryFileSystem(image);
            SortedMap<String, SortedSet<String>> got = byName(imageFs, there);
            SortedMap<String, SortedSet<String>> expected = byName(fx.fs(), fx.truth().get(program));
            if (!got.equals(expected)) {
                disagreements.add(program + "\tclosure-only " + got + "\tfull rootfs " + expected + "\tclosure "
                        + r.closure());
            }
            delete(image);
        }
        System.out.printf("[agreement] %s: the real loader in the closure-only images of %d programs and modules%n",
                name, programs.size());
        assertThat(disagreements).as("%s: programs the real loader loads differently from their closure alone:%n%s",
                name, String.join("\n", disagreements)).isEmpty();
    }

    static final java.util.Set<String> MAIN_PROGRAMS = java.util.Set.of("/usr/sbin/php-fpm8.2", "/usr/sbin/nginx",
            "/usr/bin/python3.11", "/usr/bin/php8.2", "/bin/bash", "/bin/dash");

    /** Writes these paths of the rootfs into {@code dir}: directories, symlinks as they are, files hard-linked. */
    private static void materialise(Fixture fx, SortedSet<String> paths, Path dir) throws IOException {
        for (String p : paths) {
            FileEntry e = fx.fs().entry(p).orElseThrow(() -> new AssertionError(p + " of a closure is not in the rootfs"));
            Path to = dir.resolve(p.substring(1));
            // Parents as the rootfs has them: real directories (a symlinked parent would be in the closure itself).
            Files.createDirectories(to.getParent());
            if (e.isDirectory()) {
                Files.createDirectories(to);
            } else if (e.isSymlink()) {
                Files.createSymbolicLink(to, Path.of(e.linkTarget()));
            } else {
                Path from = fx.rootfs().resolve(p.substring(1));
                try {
                    Files.createLink(to, from);
                } catch (IOException | UnsupportedOperationException x) {
                    Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Removes a tree without following its links (they point into the image, absolute ones out of the dir). */
    private static void delete(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** loader-truth.sh leaves no ELF out: every regular file with a DT_NEEDED has lines of its own. */
    @ParameterizedTest
    @ValueSource(strings = {"debian-php", "musl-plugin"})
    void theLoaderListsEveryElfWithANeededEntry(String name) throws Exception {
        Fixture fx = fixture(name);
        SortedSet<String> withNeeded = new TreeSet<>();
        for (FileEntry f : fx.fs().entries().filter(FileEntry::isRegular).toList()) {
            try {
                if (ElfFile.isElf(fx.objects().header(f)) && !fx.objects().elf(f).needed().isEmpty()) {
                    withNeeded.add(f.path());
                }
            } catch (IOException e) {
                // Not a readable ELF file: readelf does not list it either.
            }
        }
        assertThat(fx.truth().keySet()).as("%s: ELFs listed by loader-truth.sh vs ELFs with DT_NEEDED", name)
                .containsExactlyElementsOf(withNeeded);
    }

    /**
     * musl-plugin: the plugin the greeter dlopen()s (named in /etc/greeter.conf) is no one's DT_NEEDED, so it is
     * an ELF of its own in the listing, and resolves on its own like the loader resolves it.
     */
    @Test
    void theDlopenedPluginIsAnElfOfItsOwn() throws Exception {
        Fixture fx = fixture("musl-plugin");
        String plugin = "/usr/local/lib/greeter/plugins/shout.so";
        String greeter = "/usr/local/bin/greeter";
        String musl = "/lib/ld-musl-x86_64.so.1";
        assertThat(Files.readString(fx.rootfs().resolve("etc/greeter.conf"))).contains("plugin=" + plugin);
        assertThat(fx.truth()).containsKeys(greeter, "/usr/local/lib/libgreet.so.1", plugin);
        assertThat(fx.truth().get(plugin)).containsExactlyInAnyOrder(new Link(musl, musl), new Link("libc.so", musl));
        assertThat(fx.truth().get(greeter)).extracting(Link::path).doesNotContain(plugin);

        ElfDependencyResolver resolver = new ElfDependencyResolver(fx.objects(), Map.of(), true);
        ElfResolution p = resolver.resolve(plugin);
        assertThat(p.loader()).isEqualTo(ElfResolution.LoaderKind.MUSL);
        assertThat(p.interpreter()).isEqualTo(musl);
        assertThat(p.resolved()).containsExactly(Map.entry("libc.so", musl));
        assertThat(p.complete()).isTrue();
        ElfResolution g = resolver.resolve(greeter);
        assertThat(g.resolved()).containsExactly(Map.entry("libgreet.so.1", "/usr/local/lib/libgreet.so.1"),
                Map.entry("libc.so", musl));
        assertThat(g.closure()).doesNotContain(plugin);
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The resolution as the loader prints it: the interpreter by its path, each library, each missing name. */
    static List<Link> ours(ElfResolution r) {
        List<Link> out = new ArrayList<>();
        if (r.interpreter() != null) {
            out.add(new Link(r.interpreter(), r.interpreter()));
        }
        for (ElfResolution.Library l : r.libraries()) {
            out.add(new Link(l.name(), l.path()));
        }
        for (ElfResolution.Unresolved u : r.unresolved()) {
            out.add(new Link(u.name(), null));
        }
        return out;
    }

    /**
     * Name → the files it became, each path resolved inside the rootfs (symlinks followed by
     * {@link dev.distill.engine.fs.PathWalk}, never by the host). Both sides go through this same function: the
     * loader prints a path as it built it (the interpreter as the program's PT_INTERP {@code /lib64/...}, a link
     * to {@code /lib/x86_64-linux-gnu/...}; a library by its directory in the cache or an {@code $ORIGIN/../}
     * path), and ours is meant to be the same spelling, but what must agree is which FILE is loaded: a lexical
     * normalisation would be wrong across symlinked directories ({@code ..} is physical). A path that does not
     * resolve is kept as written, marked.
     */
    static SortedMap<String, SortedSet<String>> byName(ImageFileSystem fs, List<Link> links) {
        SortedMap<String, SortedSet<String>> out = new TreeMap<>();
        for (Link l : links) {
            out.computeIfAbsent(l.name(), k -> new TreeSet<>()).add(l.path() == null ? "not found" : real(fs, l.path()));
        }
        return out;
    }

    static String real(ImageFileSystem fs, String path) {
        Optional<FileEntry> f;
        try {
            f = fs.resolve(path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            f = Optional.empty();
        }
        return f.map(FileEntry::path).orElse(Paths.normalize(path) + " (not in the rootfs)");
    }

    private static String raw(Link l) {
        return l.name() + " => " + (l.path() == null ? "not found" : l.path());
    }

    private static String show(SortedSet<String> s) {
        return s.isEmpty() ? "(nothing)" : String.join(", ", s);
    }

    static Fixture fixture(String name) throws Exception {
        Object f;
        synchronized (FIXTURES) {
            f = FIXTURES.get(name);
            if (f == null) {
                try {
                    f = build(name);
                } catch (AssertionError e) {
                    f = e;
                }
                FIXTURES.put(name, f);
            }
        }
        if (f instanceof AssertionError e) {
            throw new AssertionError(e.getMessage());
        }
        return (Fixture) f;
    }

    private static Fixture build(String name) throws Exception {
        Path repo = repoRoot();
        long t0 = System.nanoTime();
        Run b = run(repo, 30, "fixtures/build.sh", name, "--rootfs-only");
        long buildMillis = (System.nanoTime() - t0) / 1_000_000;
        String rootfs = b.out().lines().filter(l -> l.startsWith("rootfs=")).map(l -> l.substring(7)).findFirst()
                .orElse(null);
        if (b.exit() != 0 || rootfs == null || !Files.isDirectory(Path.of(rootfs))) {
            throw new AssertionError("fixture " + name + " could not be built: `fixtures/build.sh " + name
                    + " --rootfs-only` in " + repo + " exited " + b.exit() + (rootfs == null ? " without a rootfs= line"
                    : " with rootfs=" + rootfs) + ". It needs root, apt-get (network, or a warm $DISTILL_FIXTURE_CACHE),"
                    + " musl-tools, busybox-static and binutils (deploy/local/install-prereqs.sh); see"
                    + " fixtures/README.md. Its stderr ends with:\n" + tail(b.err(), 40));
        }
        long t1 = System.nanoTime();
        Run t = run(repo, 10, "fixtures/loader-truth.sh", rootfs);
        long truthMillis = (System.nanoTime() - t1) / 1_000_000;
        if (t.exit() != 0) {
            throw new AssertionError("`fixtures/loader-truth.sh " + rootfs + "` exited " + t.exit()
                    + ". Its stderr ends with:\n" + tail(t.err(), 40));
        }
        SortedMap<String, List<Link>> truth = new TreeMap<>();
        for (String line : t.out().split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] cols = line.split("\t", -1);
            if (cols.length != 3) {
                throw new AssertionError("loader-truth.sh printed a line that is not elf<TAB>name<TAB>path: " + line);
            }
            truth.computeIfAbsent(cols[0], k -> new ArrayList<>())
                    .add(new Link(cols[1], cols[2].equals("not found") ? null : cols[2]));
        }
        if (truth.isEmpty()) {
            throw new AssertionError("loader-truth.sh listed no ELF in " + rootfs + ". Its stderr:\n" + tail(t.err(), 40));
        }
        DirectoryFileSystem fs = new DirectoryFileSystem(Path.of(rootfs));
        return new Fixture(name, Path.of(rootfs), fs, new ElfObjects(fs), truth, buildMillis, truthMillis);
    }

    /** {@code distill.repo.root} (set by the parent POM), else the first directory up from here with fixtures/. */
    static Path repoRoot() {
        String configured = System.getProperty("distill.repo.root");
        if (configured != null && !configured.isBlank()
                && Files.isRegularFile(Path.of(configured, "fixtures", "build.sh"))) {
            return Path.of(configured).toAbsolutePath();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("fixtures/build.sh"))) {
                return d;
            }
        }
        throw new AssertionError("no fixtures/build.sh: distill.repo.root is " + configured
                + " and none of the directories above " + Path.of("").toAbsolutePath() + " has one");
    }

    /**
     * The rootfs reduced to some paths, as an image built from them would be: those entries and the directories
     * above them; everything else is absent.
     */
    static final class OnlyThese implements ImageFileSystem {
        private final ImageFileSystem fs;
        private final java.util.Set<String> kept = new java.util.HashSet<>();

        OnlyThese(ImageFileSystem fs, java.util.Collection<String> paths) {
            this.fs = fs;
            for (String p : paths) {
                for (String q = Paths.normalize(p); kept.add(q) && !q.equals("/"); q = Paths.parent(q)) {
                    // every directory above it too
                }
            }
            kept.add("/");
        }

        @Override
        public Optional<FileEntry> entry(String path) {
            String p = Paths.normalize(path);
            return kept.contains(p) ? fs.entry(p) : Optional.empty();
        }

        @Override
        public Optional<FileEntry> resolve(String path) {
            return dev.distill.engine.fs.PathWalk.trace(this::entry, path).target();
        }

        @Override
        public List<FileEntry> list(String directory) {
            return fs.list(directory).stream().filter(e -> kept.contains(e.path())).toList();
        }

        @Override
        public java.util.stream.Stream<FileEntry> entries() {
            return kept.stream().sorted().map(fs::entry).flatMap(Optional::stream);
        }

        @Override
        public java.io.InputStream open(FileEntry file) throws IOException {
            if (!kept.contains(file.path())) {
                throw new IOException(file.path() + " is not in this image");
            }
            return fs.open(file);
        }
    }

    record Run(int exit, String out, String err) {
    }

    /** Runs a command in {@code dir} without the LD_* variables of this JVM; stdout and stderr kept apart. */
    private static Run run(Path dir, int timeoutMinutes, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("fixture-", ".out");
        Path err = Files.createTempFile("fixture-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().keySet().removeIf(k -> k.startsWith("LD_"));
            Process p = pb.start();
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutMinutes
                        + " minutes; its stderr ends with:\n" + tail(Files.readString(err), 40));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String tail(String s, int lines) {
        List<String> all = s.lines().toList();
        return all.subList(Math.max(0, all.size() - lines), all.size()).stream()
                .collect(Collectors.joining("\n", "", all.isEmpty() ? "(nothing)" : ""));
    }
}
