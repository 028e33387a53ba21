package dev.distill.engine.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.DirectoryFileSystem;
import dev.distill.engine.fs.FileEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real files of this machine, compared field by field with binutils' readelf. */
class ElfFileHostTest {

    @TempDir
    static Path tmp;

    static List<Path> files() throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>(Stream.of("/usr/bin/ls", "/bin/bash", "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib64/ld-linux-x86-64.so.2", "/usr/bin/busybox", "/lib/ld-musl-x86_64.so.1")
                .map(Path::of).filter(Files::isRegularFile).toList());
        files.addAll(compiled());
        return files;
    }

    private static List<Path> compiled;

    /** A static, a static-pie, a non-PIE executable and a library with SONAME, RPATH and RUNPATH. */
    static synchronized List<Path> compiled() throws IOException, InterruptedException {
        if (compiled == null) {
            Path d = tmp;
            String main = "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n";
            compiled = List.of(
                    HostTools.compile("gcc", d, "static", main, "-static"),
                    HostTools.compile("gcc", d, "staticpie", main, "-static-pie"),
                    HostTools.compile("gcc", d, "nopie", main, "-no-pie", "-Wl,-rpath,/opt/a:/opt/b",
                            "-Wl,--disable-new-dtags"),
                    HostTools.compile("gcc", d, "libx.so", "int x(void){return 1;}\n", "-shared", "-fPIC",
                            "-Wl,-soname,libx.so.1", "-Wl,-rpath,$ORIGIN/../lib:/usr/local/lib", "-Wl,--enable-new-dtags",
                            "-lm"));
        }
        return compiled;
    }

    @BeforeAll
    static void gcc() {
        assertThat(HostTools.onPath("gcc")).as("gcc is needed for these tests").isTrue();
        assertThat(HostTools.onPath("readelf")).as("binutils' readelf is needed for these tests").isTrue();
    }

    record Readelf(String elfClass, String data, String type, boolean pieType, String machine, String interp,
            List<String> needed, String soname, String rpath, String runpath, boolean pieFlag) {
    }

    static Readelf readelf(Path file) throws IOException, InterruptedException {
        String out = HostTools.runOk("readelf", "-h", "-l", "-d", "-W", file.toString());
        List<String> needed = new ArrayList<>();
        Matcher m = Pattern.compile("\\(NEEDED\\)\\s+Shared library: \\[(.*)]").matcher(out);
        while (m.find()) {
            needed.add(m.group(1));
        }
        String flags1 = find(out, "\\(FLAGS_1\\)\\s+Flags: (.*)");
        return new Readelf(find(out, "Class:\\s+(\\S+)"), find(out, "Data:\\s+(.*)"), find(out, "Type:\\s+(\\S+)"),
                out.contains("Position-Independent Executable"), find(out, "Machine:\\s+(.*)"),
                find(out, "Requesting program interpreter: (.*)]"), needed,
                find(out, "Library soname: \\[(.*)]"), find(out, "Library rpath: \\[(.*)]"),
                find(out, "Library runpath: \\[(.*)]"), flags1 != null && Arrays.asList(flags1.trim().split(" ")).contains("PIE"));
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1).trim() : null;
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyFieldAgreesWithReadelf(Path file) throws Exception {
        Readelf r = readelf(file);
        ElfFile elf = ElfFile.parse(Files.readAllBytes(file));
        assertThat(elf.elfClass().name()).isEqualTo(r.elfClass());
        assertThat(elf.data()).isEqualTo(r.data().contains("little") ? ElfData.LITTLE_ENDIAN : ElfData.BIG_ENDIAN);
        assertThat(elf.type().name()).isEqualTo(r.type());
        assertThat(elf.machine()).isEqualTo(ElfMachine.X86_64);
        assertThat(r.machine()).contains("X86-64");
        assertThat(elf.interpreter().orElse(null)).isEqualTo(r.interp());
        assertThat(elf.needed()).isEqualTo(r.needed());
        assertThat(elf.soname().orElse(null)).isEqualTo(r.soname());
        assertThat(elf.hasRpath()).isEqualTo(r.rpath() != null);
        assertThat(elf.hasRunpath()).isEqualTo(r.runpath() != null);
        assertThat(String.join(":", elf.rpath())).isEqualTo(r.rpath() == null ? "" : r.rpath());
        assertThat(String.join(":", elf.runpath())).isEqualTo(r.runpath() == null ? "" : r.runpath());
        assertThat(elf.isPieFlagged()).isEqualTo(r.pieFlag());
        // readelf calls an ET_DYN with DF_1_PIE a "Position-Independent Executable".
        assertThat(elf.isPieExecutable() || elf.isStaticPie()).isEqualTo(r.pieType());
    }

    @ParameterizedTest
    @MethodSource("files")
    void readingThroughTheImageViewReadsRangesBeyondThePrefix(Path file) throws Exception {
        DirectoryFileSystem fs = new DirectoryFileSystem(Path.of("/"));
        FileEntry entry = fs.resolve(file.toString()).orElseThrow();
        ElfFile viaImage = ElfFile.read(fs, entry);
        ElfFile whole = ElfFile.parse(Files.readAllBytes(file));
        assertThat(viaImage.toString()).isEqualTo(whole.toString());
        assertThat(viaImage.runpath()).isEqualTo(whole.runpath());
        assertThat(viaImage.rpath()).isEqualTo(whole.rpath());
    }

    @Test
    void kindsOfTheHostsFiles() throws Exception {
        assertThat(parse("/usr/bin/ls").kind()).isEqualTo(ElfKind.PIE_EXECUTABLE);
        assertThat(parse("/lib/x86_64-linux-gnu/libc.so.6").kind()).isEqualTo(ElfKind.SHARED_LIBRARY);
        ElfFile ldso = parse("/lib64/ld-linux-x86-64.so.2");
        assertThat(ldso.kind()).isEqualTo(ElfKind.SHARED_LIBRARY);
        assertThat(ldso.isStatic()).isTrue();
        assertThat(ldso.soname()).contains("ld-linux-x86-64.so.2");
        List<Path> c = compiled();
        ElfFile stat = ElfFile.parse(Files.readAllBytes(c.get(0)));
        assertThat(stat.isStatic()).isTrue();
        assertThat(stat.hasDynamicSection()).isFalse();
        assertThat(stat.kind()).isEqualTo(ElfKind.STATIC_EXECUTABLE);
        ElfFile staticPie = ElfFile.parse(Files.readAllBytes(c.get(1)));
        assertThat(staticPie.isStatic()).isTrue();
        assertThat(staticPie.isStaticPie()).isTrue();
        assertThat(staticPie.hasDynamicSection()).isTrue();
        ElfFile nopie = ElfFile.parse(Files.readAllBytes(c.get(2)));
        assertThat(nopie.kind()).isEqualTo(ElfKind.EXECUTABLE);
        assertThat(nopie.rpath()).containsExactly("/opt/a", "/opt/b");
        assertThat(nopie.runpath()).isEmpty();
        ElfFile lib = ElfFile.parse(Files.readAllBytes(c.get(3)));
        assertThat(lib.kind()).isEqualTo(ElfKind.SHARED_LIBRARY);
        assertThat(lib.runpath()).containsExactly("$ORIGIN/../lib", "/usr/local/lib");
        assertThat(lib.soname()).contains("libx.so.1");
        if (Files.isRegularFile(Path.of("/usr/bin/busybox"))) {
            ElfFile bb = parse("/usr/bin/busybox");
            assertThat(bb.isStatic()).isTrue();
        }
    }

    private static ElfFile parse(String path) throws IOException {
        return ElfFile.parse(Files.readAllBytes(Path.of(path)));
    }
}
