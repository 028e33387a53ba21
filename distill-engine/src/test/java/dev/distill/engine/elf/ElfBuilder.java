package dev.distill.engine.elf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small, valid ELF files for tests: one PT_LOAD covering the file, optional PT_INTERP and a PT_DYNAMIC
 * with DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH, DT_FLAGS_1 and the string table they use. Any class, byte
 * order and machine, so tests cover what the host cannot build.
 */
public final class ElfBuilder {

    private boolean is64 = true;
    private boolean little = true;
    private int machine = 62;
    private int type = 3;
    private long vaddr = 0x10000;
    private String interp;
    private final List<String> needed = new ArrayList<>();
    private String soname;
    private String rpath;
    private String runpath;
    private long flags1;
    private boolean dynamic = true;

    public static ElfBuilder x86_64() {
        return new ElfBuilder();
    }

    public ElfBuilder elf32() {
        is64 = false;
        return this;
    }

    public ElfBuilder bigEndian() {
        little = false;
        return this;
    }

    public ElfBuilder machine(int code) {
        machine = code;
        return this;
    }

    public ElfBuilder type(int t) {
        type = t;
        return this;
    }

    public ElfBuilder interpreter(String path) {
        interp = path;
        return this;
    }

    public ElfBuilder needed(String... names) {
        needed.addAll(List.of(names));
        return this;
    }

    public ElfBuilder soname(String s) {
        soname = s;
        return this;
    }

    public ElfBuilder rpath(String s) {
        rpath = s;
        return this;
    }

    public ElfBuilder runpath(String s) {
        runpath = s;
        return this;
    }

    public ElfBuilder flags1(long f) {
        flags1 = f;
        return this;
    }

    public ElfBuilder noDynamic() {
        dynamic = false;
        return this;
    }

    public byte[] build() {
        int ehsize = is64 ? 64 : 52;
        int phentsize = is64 ? 56 : 32;
        int phnum = 1 + (interp != null ? 1 : 0) + (dynamic ? 1 : 0);
        int phoff = ehsize;
        int interpOff = phoff + phnum * phentsize;
        byte[] interpBytes = interp == null ? new byte[0] : (interp + "\0").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream strtab = new ByteArrayOutputStream();
        strtab.write(0);
        List<long[]> dyn = new ArrayList<>();
        for (String n : needed) {
            dyn.add(new long[] {1, add(strtab, n)});
        }
        if (soname != null) {
            dyn.add(new long[] {14, add(strtab, soname)});
        }
        if (rpath != null) {
            dyn.add(new long[] {15, add(strtab, rpath)});
        }
        if (runpath != null) {
            dyn.add(new long[] {29, add(strtab, runpath)});
        }
        int strOff = interpOff + interpBytes.length;
        int strSize = strtab.size();
        dyn.add(new long[] {5, vaddr + strOff});
        dyn.add(new long[] {10, strSize});
        if (flags1 != 0) {
            dyn.add(new long[] {0x6ffffffbL, flags1});
        }
        dyn.add(new long[] {0, 0});
        int dynOff = align(strOff + strSize, 8);
        int dynEnt = is64 ? 16 : 8;
        int dynSize = dynamic ? dyn.size() * dynEnt : 0;
        int total = dynOff + dynSize;
        byte[] b = new byte[total];
        b[0] = 0x7f;
        b[1] = 'E';
        b[2] = 'L';
        b[3] = 'F';
        b[4] = (byte) (is64 ? 2 : 1);
        b[5] = (byte) (little ? 1 : 2);
        b[6] = 1;
        put(b, 16, 2, type);
        put(b, 18, 2, machine);
        put(b, 20, 4, 1);
        put(b, 24, is64 ? 8 : 4, vaddr + 0x100);
        put(b, is64 ? 32 : 28, is64 ? 8 : 4, phoff);
        put(b, is64 ? 52 : 40, 2, ehsize);
        put(b, is64 ? 54 : 42, 2, phentsize);
        put(b, is64 ? 56 : 44, 2, phnum);
        int p = phoff;
        p = phdr(b, p, 1, 0, vaddr, total);
        if (interp != null) {
            p = phdr(b, p, 3, interpOff, vaddr + interpOff, interpBytes.length);
        }
        if (dynamic) {
            phdr(b, p, 2, dynOff, vaddr + dynOff, dynSize);
        }
        System.arraycopy(interpBytes, 0, b, interpOff, interpBytes.length);
        System.arraycopy(strtab.toByteArray(), 0, b, strOff, strSize);
        if (dynamic) {
            int o = dynOff;
            for (long[] d : dyn) {
                put(b, o, is64 ? 8 : 4, d[0]);
                put(b, o + (is64 ? 8 : 4), is64 ? 8 : 4, d[1]);
                o += dynEnt;
            }
        }
        return b;
    }

    private int phdr(byte[] b, int p, int ptype, long off, long va, long size) {
        put(b, p, 4, ptype);
        if (is64) {
            put(b, p + 4, 4, 5);
            put(b, p + 8, 8, off);
            put(b, p + 16, 8, va);
            put(b, p + 24, 8, va);
            put(b, p + 32, 8, size);
            put(b, p + 40, 8, size);
            put(b, p + 48, 8, 8);
            return p + 56;
        }
        put(b, p + 4, 4, off);
        put(b, p + 8, 4, va);
        put(b, p + 12, 4, va);
        put(b, p + 16, 4, size);
        put(b, p + 20, 4, size);
        put(b, p + 24, 4, 5);
        put(b, p + 28, 4, 4);
        return p + 32;
    }

    private void put(byte[] b, int off, int n, long v) {
        for (int i = 0; i < n; i++) {
            int idx = little ? off + i : off + n - 1 - i;
            b[idx] = (byte) (v >>> (8 * i));
        }
    }

    private static long add(ByteArrayOutputStream t, String s) {
        long off = t.size();
        t.writeBytes((s + "\0").getBytes(StandardCharsets.UTF_8));
        return off;
    }

    private static int align(int v, int a) {
        return (v + a - 1) / a * a;
    }
}
