package dev.distill.engine.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ElfFileTest {

    @Test
    void everyClassAndByteOrder() throws Exception {
        for (boolean is64 : new boolean[] {true, false}) {
            for (boolean big : new boolean[] {false, true}) {
                ElfBuilder b = ElfBuilder.x86_64().machine(big ? 22 : 40).type(3)
                        .interpreter("/lib/ld-linux-armhf.so.3").needed("libm.so.6", "libc.so.6")
                        .rpath("/opt/r").runpath("$ORIGIN:/opt/x").soname("libq.so.1").flags1(ElfFile.DF_1_NODEFLIB);
                if (!is64) {
                    b.elf32();
                }
                if (big) {
                    b.bigEndian();
                }
                ElfFile e = ElfFile.parse(b.build());
                assertThat(e.elfClass()).isEqualTo(is64 ? ElfClass.ELF64 : ElfClass.ELF32);
                assertThat(e.data()).isEqualTo(big ? ElfData.BIG_ENDIAN : ElfData.LITTLE_ENDIAN);
                assertThat(e.machine()).isEqualTo(big ? ElfMachine.S390 : ElfMachine.ARM);
                assertThat(e.type()).isEqualTo(ElfType.DYN);
                assertThat(e.interpreter()).contains("/lib/ld-linux-armhf.so.3");
                assertThat(e.needed()).containsExactly("libm.so.6", "libc.so.6");
                assertThat(e.rpath()).containsExactly("/opt/r");
                assertThat(e.runpath()).containsExactly("$ORIGIN", "/opt/x");
                assertThat(e.soname()).contains("libq.so.1");
                assertThat(e.noDefaultLib()).isTrue();
                assertThat(e.isStatic()).isFalse();
            }
        }
    }

    @Test
    void kinds() throws Exception {
        assertThat(ElfFile.parse(ElfBuilder.x86_64().type(2).noDynamic().build()).kind())
                .isEqualTo(ElfKind.STATIC_EXECUTABLE);
        assertThat(ElfFile.parse(ElfBuilder.x86_64().type(3).flags1(ElfFile.DF_1_PIE).build()).kind())
                .isEqualTo(ElfKind.STATIC_PIE_EXECUTABLE);
        assertThat(ElfFile.parse(ElfBuilder.x86_64().type(3).interpreter("/lib64/ld-linux-x86-64.so.2")
                .needed("libc.so.6").flags1(ElfFile.DF_1_PIE).build()).kind()).isEqualTo(ElfKind.PIE_EXECUTABLE);
        assertThat(ElfFile.parse(ElfBuilder.x86_64().type(3).needed("libc.so.6").soname("libz.so.1").build()).kind())
                .isEqualTo(ElfKind.SHARED_LIBRARY);
        assertThat(ElfFile.parse(ElfBuilder.x86_64().type(3).needed("libc.so.6").build()).kind())
                .isEqualTo(ElfKind.SHARED_OBJECT_UNKNOWN);
        assertThat(ElfFile.parse(ElfBuilder.x86_64().type(1).noDynamic().build()).kind()).isEqualTo(ElfKind.RELOCATABLE);
        assertThat(ElfFile.parse(ElfBuilder.x86_64().type(4).noDynamic().build()).kind()).isEqualTo(ElfKind.CORE);
    }

    @Test
    void clearErrorsForBrokenHeaders() {
        assertThatThrownBy(() -> ElfFile.parse(new byte[0])).isInstanceOf(ElfFormatException.class)
                .hasMessageContaining("not an ELF file");
        assertThatThrownBy(() -> ElfFile.parse("#!/bin/sh\necho hi\n".getBytes())).isInstanceOf(ElfFormatException.class)
                .hasMessageContaining("not an ELF file");
        byte[] ok = ElfBuilder.x86_64().interpreter("/lib64/ld-linux-x86-64.so.2").needed("libc.so.6").build();
        byte[] badClass = ok.clone();
        badClass[4] = 9;
        assertThatThrownBy(() -> ElfFile.parse(badClass)).hasMessageContaining("unknown ELF class 9");
        byte[] badData = ok.clone();
        badData[5] = 0;
        assertThatThrownBy(() -> ElfFile.parse(badData)).hasMessageContaining("data encoding");
        assertThatThrownBy(() -> ElfFile.parse(Arrays.copyOf(ok, 40))).hasMessageContaining("truncated ELF header");
        byte[] manyPh = ok.clone();
        manyPh[56] = (byte) 0xfe;
        manyPh[57] = (byte) 0xff;
        assertThatThrownBy(() -> ElfFile.parse(manyPh)).isInstanceOf(ElfFormatException.class)
                .hasMessageContaining("65534 program headers exceed the limit");
        byte[] smallPhent = ok.clone();
        smallPhent[54] = 8;
        assertThatThrownBy(() -> ElfFile.parse(smallPhent)).hasMessageContaining("program header entry size 8");
        byte[] farPh = ok.clone();
        farPh[32 + 6] = 0x7f; // e_phoff far past the end
        assertThatThrownBy(() -> ElfFile.parse(farPh)).hasMessageContaining("truncated program headers");
    }

    @Test
    void stringsOutsideTheirTableAreReported() throws Exception {
        byte[] ok = ElfBuilder.x86_64().needed("libc.so.6").build();
        ElfFile.parse(ok);
        // The dynamic section is the last thing written: its first entry is DT_NEEDED with offset 1.
        int dyn = ok.length - 4 * 16;
        byte[] farString = ok.clone();
        farString[dyn + 8] = 0x70;
        assertThatThrownBy(() -> ElfFile.parse(farString)).hasMessageContaining("DT_NEEDED string offset");
        byte[] strtabNowhere = ok.clone();
        strtabNowhere[dyn + 16 + 8 + 5] = 0x7f; // DT_STRTAB far above every PT_LOAD
        assertThatThrownBy(() -> ElfFile.parse(strtabNowhere)).hasMessageContaining("lies in no PT_LOAD segment");
        assertThatThrownBy(() -> ElfFile.parse(Arrays.copyOf(ok, ok.length - 20)))
                .hasMessageContaining("truncated dynamic section");
    }

    @Test
    void truncationAtEveryLengthAndRandomCorruptionGiveOnlyElfFormatException() throws Exception {
        byte[] real = Files.readAllBytes(Path.of("/usr/bin/ls"));
        byte[] head = Arrays.copyOf(real, Math.min(real.length, 8192));
        for (int n = 0; n <= head.length; n += 3) {
            tryParse(Arrays.copyOf(head, n));
        }
        Random random = new Random(42);
        byte[] small = ElfBuilder.x86_64().interpreter("/lib64/ld-linux-x86-64.so.2").needed("libc.so.6", "libm.so.6")
                .runpath("$ORIGIN").soname("a").build();
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = (i % 2 == 0 ? small : head).clone();
            int flips = 1 + random.nextInt(8);
            for (int f = 0; f < flips; f++) {
                int at = random.nextInt(Math.min(bytes.length, 1024));
                bytes[at] = (byte) random.nextInt(256);
            }
            tryParse(bytes);
        }
    }

    @Test
    void extremeValuesInEveryWordGiveOnlyElfFormatException() {
        long[] extremes = {-1L, Long.MIN_VALUE, Long.MAX_VALUE, 0x7fffffffL, 0xffffffffL, 0x80000000L, 0, 1 << 20};
        for (boolean is64 : new boolean[] {true, false}) {
            ElfBuilder b = ElfBuilder.x86_64().interpreter("/lib64/ld-linux-x86-64.so.2").needed("libc.so.6")
                    .runpath("$ORIGIN").soname("a");
            if (!is64) {
                b.elf32();
            }
            byte[] file = b.build();
            int word = is64 ? 8 : 4;
            for (int at = 16; at + word <= file.length; at += word / 2) {
                for (long v : extremes) {
                    byte[] bytes = file.clone();
                    for (int i = 0; i < word; i++) {
                        bytes[at + i] = (byte) (v >>> (8 * i));
                    }
                    tryParse(bytes);
                }
            }
        }
    }

    private static void tryParse(byte[] bytes) {
        try {
            ElfFile.parse(bytes);
        } catch (ElfFormatException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        } catch (RuntimeException | OutOfMemoryError e) {
            fail("parsing " + bytes.length + " bytes threw " + e, e);
        }
    }
}
