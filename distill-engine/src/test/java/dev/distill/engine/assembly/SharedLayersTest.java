package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.MemoryFileSystem;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Which entries go into a layer several images share, and which stay in each program's own. */
class SharedLayersTest {

    private static final ImageFileSystem BASE = MemoryFileSystem.builder().directory("/etc", 0755).directory("/usr/lib", 0755)
            .build();
    /** A base without /usr/lib: the program's layer must bring the directory. */
    private static final ImageFileSystem BARE = MemoryFileSystem.builder().directory("/etc", 0755).directory("/usr", 0755).build();

    @Test
    void filesTwoProgramsCarryAlikeGoIntoOneLayerAndTheRestStaysTheirOwn() {
        TreeMap<String, ProgramLayer.Entry> fpm = entries(file("/usr/lib/libssl.so.3", 0644), file("/usr/lib/libc.so.6", 0755),
                file("/usr/sbin/php-fpm", 0755), passwd("www-data"));
        TreeMap<String, ProgramLayer.Entry> nginx = entries(file("/usr/lib/libssl.so.3", 0644), file("/usr/lib/libc.so.6", 0700),
                file("/usr/sbin/nginx", 0755), passwd("www-data"));

        SharedLayers.Split split = SharedLayers.of(List.of(fpm, nginx), List.of(BASE, BASE));

        assertThat(split.shared()).singleElement().satisfies(g -> {
            assertThat(g.programs()).containsExactly(0, 1);
            assertThat(g.entries()).containsOnlyKeys("/etc/passwd", "/usr/lib/libssl.so.3");
        });
        assertThat(split.own().get(0)).containsOnlyKeys("/usr/lib/libc.so.6", "/usr/sbin/php-fpm");
        assertThat(split.own().get(1)).containsOnlyKeys("/usr/lib/libc.so.6", "/usr/sbin/nginx");
        assertThat(split.of(0)).isEqualTo(split.of(1));
    }

    @Test
    void aFileIsSharedOnlyWhereEveryDirectoryAboveItIsInPlaceBelowTheSharedLayer() {
        // On the bare base the program's own layer brings /usr/lib; on the other the base has it. A shared layer
        // holding libssl would need a directory that, for the first program, only comes above it.
        TreeMap<String, ProgramLayer.Entry> onBare = entries(dir("/usr/lib", 0755), file("/usr/lib/libssl.so.3", 0644));
        TreeMap<String, ProgramLayer.Entry> onBase = entries(file("/usr/lib/libssl.so.3", 0644));
        SharedLayers.Split mixed = SharedLayers.of(List.of(onBare, onBase), List.of(BARE, BASE));
        assertThat(mixed.shared()).isEmpty();
        assertThat(mixed.own().get(0)).containsOnlyKeys("/usr/lib", "/usr/lib/libssl.so.3");

        // Both on the bare base: the directory is carried alike and goes into the shared layer with the file.
        SharedLayers.Split both = SharedLayers.of(List.of(onBare, entries(dir("/usr/lib", 0755), file("/usr/lib/libssl.so.3", 0644))),
                List.of(BARE, BARE));
        assertThat(both.shared()).singleElement().satisfies(g -> assertThat(g.entries()).containsOnlyKeys("/usr/lib",
                "/usr/lib/libssl.so.3"));
        assertThat(both.own().get(0)).isEmpty();
    }

    @Test
    void threeProgramsGetOneLayerPerSetOfProgramsTheWidestLowest() {
        TreeMap<String, ProgramLayer.Entry> a = entries(file("/usr/lib/libc.so.6", 0755), file("/usr/lib/libssl.so.3", 0644),
                file("/usr/lib/a", 0644));
        TreeMap<String, ProgramLayer.Entry> b = entries(file("/usr/lib/libc.so.6", 0755), file("/usr/lib/libssl.so.3", 0644));
        TreeMap<String, ProgramLayer.Entry> c = entries(file("/usr/lib/libc.so.6", 0755), file("/usr/lib/a", 0644));

        SharedLayers.Split split = SharedLayers.of(List.of(a, b, c), List.of(BASE, BASE, BASE));

        assertThat(split.shared()).extracting(SharedLayers.Group::programs)
                .containsExactly(List.of(0, 1, 2), List.of(0, 1), List.of(0, 2));
        assertThat(split.shared().get(0).entries()).containsOnlyKeys("/usr/lib/libc.so.6");
        assertThat(split.of(1)).extracting(SharedLayers.Group::programs).containsExactly(List.of(0, 1, 2), List.of(0, 1));
        assertThat(split.own()).allSatisfy(own -> assertThat(own).isEmpty());
    }

    @Test
    void hardLinkGroupsStayWholeInEachProgramsOwnLayer() {
        ProgramLayer.Entry link = new ProgramLayer.Entry("/usr/lib/libgd.so", FileType.HARDLINK, 0644, 0, 0, "/usr/lib/libgd.so.3", null);
        TreeMap<String, ProgramLayer.Entry> a = entries(file("/usr/lib/libgd.so.3", 0644), link);
        TreeMap<String, ProgramLayer.Entry> b = entries(file("/usr/lib/libgd.so.3", 0644), link);

        SharedLayers.Split split = SharedLayers.of(List.of(a, b), List.of(BASE, BASE));

        assertThat(split.shared()).isEmpty();
        assertThat(split.own()).allSatisfy(own -> assertThat(own).containsOnlyKeys("/usr/lib/libgd.so", "/usr/lib/libgd.so.3"));
    }

    private static ProgramLayer.Entry file(String path, int mode) {
        return new ProgramLayer.Entry(path, FileType.REGULAR, mode, 0, 0, null, null);
    }

    private static ProgramLayer.Entry dir(String path, int mode) {
        return new ProgramLayer.Entry(path, FileType.DIRECTORY, mode, 0, 0, null, null);
    }

    /** The builder's own passwd: equal when the bytes are equal, even as different arrays. */
    private static ProgramLayer.Entry passwd(String user) {
        return new ProgramLayer.Entry("/etc/passwd", FileType.REGULAR, 0644, 0, 0, null,
                ("root:x:0:0::/root:/sbin/nologin\n" + user + ":x:33:33::/nonexistent:/sbin/nologin\n").getBytes(StandardCharsets.UTF_8));
    }

    private static TreeMap<String, ProgramLayer.Entry> entries(ProgramLayer.Entry... entries) {
        TreeMap<String, ProgramLayer.Entry> map = new TreeMap<>();
        for (ProgramLayer.Entry e : entries) {
            map.put(e.path(), e);
        }
        return map;
    }
}
