package dev.distill.engine.elf;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The loading-relevant headers of an ELF file: the ELF header, the program headers, PT_INTERP and the dynamic
 * section with the strings it names. Section headers are not needed (and are often stripped); the dynamic
 * string table is found through DT_STRTAB, a virtual address mapped to a file offset through the PT_LOAD
 * segments, as the loader does.
 *
 * <p>Only the byte ranges that matter are read, wherever they lie in the file: {@link #read(ImageFileSystem,
 * FileEntry)} reads a prefix and opens the file again for a range beyond it. Every count and size is checked
 * against the file and against fixed limits, so truncated or hostile input ends in {@link ElfFormatException}.
 */
public final class ElfFile {

    /** More program headers than this is not a real file. */
    public static final int MAX_PROGRAM_HEADERS = 4096;
    /** Largest program header entry accepted (real ones are 32 or 56 bytes). */
    public static final int MAX_PROGRAM_HEADER_SIZE = 256;
    /** Largest dynamic section read (64 Ki entries of 16 bytes). */
    public static final int MAX_DYNAMIC_BYTES = 1 << 20;
    /** Largest dynamic string table read. */
    public static final int MAX_STRTAB_BYTES = 16 << 20;
    /** Longest PT_INTERP accepted (PATH_MAX). */
    public static final int MAX_INTERP_BYTES = 4096;

    static final int PT_LOAD = 1;
    static final int PT_DYNAMIC = 2;
    static final int PT_INTERP = 3;
    static final long DT_NULL = 0;
    static final long DT_NEEDED = 1;
    static final long DT_STRTAB = 5;
    static final long DT_STRSZ = 10;
    static final long DT_SONAME = 14;
    static final long DT_RPATH = 15;
    static final long DT_RUNPATH = 29;
    static final long DT_FLAGS = 30;
    static final long DT_FLAGS_1 = 0x6ffffffbL;
    /** DT_FLAGS_1: ignore the default library search path (cache and default dirs). */
    public static final long DF_1_NODEFLIB = 0x800;
    /** DT_FLAGS_1: the object is a position-independent executable. */
    public static final long DF_1_PIE = 0x08000000L;

    private static final int PREFIX = 64 * 1024;

    private final ElfClass elfClass;
    private final ElfData data;
    private final int machineCode;
    private final ElfType type;
    private final long entry;
    private final String interpreter;
    private final boolean dynamic;
    private final List<String> needed;
    private final String soname;
    private final List<String> rpath;
    private final List<String> runpath;
    private final boolean rpathPresent;
    private final boolean runpathPresent;
    private final long flags;
    private final long flags1;

    private ElfFile(Parser p) {
        this.elfClass = p.elfClass;
        this.data = p.data;
        this.machineCode = p.machine;
        this.type = p.type;
        this.entry = p.entry;
        this.interpreter = p.interpreter;
        this.dynamic = p.dynamic;
        this.needed = List.copyOf(p.needed);
        this.soname = p.soname;
        this.rpath = split(p.rpath);
        this.runpath = split(p.runpath);
        this.rpathPresent = p.rpath != null;
        this.runpathPresent = p.runpath != null;
        this.flags = p.flags;
        this.flags1 = p.flags1;
    }

    private ElfFile(java.io.DataInput in) throws IOException {
        this.elfClass = ElfClass.valueOf(readString(in));
        this.data = ElfData.valueOf(readString(in));
        this.machineCode = in.readInt();
        this.type = ElfType.valueOf(readString(in));
        this.entry = in.readLong();
        this.interpreter = in.readBoolean() ? readString(in) : null;
        this.dynamic = in.readBoolean();
        this.needed = readList(in);
        this.soname = in.readBoolean() ? readString(in) : null;
        this.rpath = readList(in);
        this.runpath = readList(in);
        this.rpathPresent = in.readBoolean();
        this.runpathPresent = in.readBoolean();
        this.flags = in.readLong();
        this.flags1 = in.readLong();
    }

    /**
     * Writes what was parsed, for {@link #readFrom} to give back the same object without the file: an analysis keeps
     * a layer's parsed ELF files with the layer. The form is private to this class; a change bumps the keeper's
     * format version.
     */
    public void writeTo(java.io.DataOutput out) throws IOException {
        writeString(out, elfClass.name());
        writeString(out, data.name());
        out.writeInt(machineCode);
        writeString(out, type.name());
        out.writeLong(entry);
        writeOptional(out, interpreter);
        out.writeBoolean(dynamic);
        writeList(out, needed);
        writeOptional(out, soname);
        writeList(out, rpath);
        writeList(out, runpath);
        out.writeBoolean(rpathPresent);
        out.writeBoolean(runpathPresent);
        out.writeLong(flags);
        out.writeLong(flags1);
    }

    /** Reads what {@link #writeTo} wrote. */
    public static ElfFile readFrom(java.io.DataInput in) throws IOException {
        try {
            return new ElfFile(in);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a written ELF file: " + e.getMessage(), e);
        }
    }

    private static void writeOptional(java.io.DataOutput out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            writeString(out, s);
        }
    }

    private static void writeList(java.io.DataOutput out, List<String> list) throws IOException {
        out.writeInt(list.size());
        for (String s : list) {
            writeString(out, s);
        }
    }

    private static List<String> readList(java.io.DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1 << 20) {
            throw new IOException("not a written ELF file: a list of " + n + " strings");
        }
        List<String> list = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            list.add(readString(in));
        }
        return List.copyOf(list);
    }

    private static void writeString(java.io.DataOutput out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(java.io.DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_STRTAB_BYTES) {
            throw new IOException("not a written ELF file: a string of " + n + " bytes");
        }
        byte[] bytes = new byte[n];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Parses a whole file (or a prefix of it: a range beyond the end is reported as truncation). */
    public static ElfFile parse(byte[] bytes) throws ElfFormatException {
        try {
            return new Parser(new BytesSource(bytes)).parse();
        } catch (ElfFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new ElfFormatException(e.getMessage());
        }
    }

    /**
     * Reads an ELF file from an image (resolve links first).
     *
     * @throws ElfFormatException when the file is not a readable ELF file
     * @throws IOException when the image cannot be read
     */
    public static ElfFile read(ImageFileSystem fs, FileEntry file) throws IOException {
        return new Parser(new ImageSource(fs, file)).parse();
    }

    /** Whether these bytes start like an ELF file. */
    public static boolean isElf(byte[] prefix) {
        return prefix.length >= 4 && prefix[0] == 0x7f && prefix[1] == 'E' && prefix[2] == 'L' && prefix[3] == 'F';
    }

    public ElfClass elfClass() {
        return elfClass;
    }

    public ElfData data() {
        return data;
    }

    public ElfMachine machine() {
        return ElfMachine.of(machineCode);
    }

    /** The raw e_machine, for architectures {@link ElfMachine} does not name. */
    public int machineCode() {
        return machineCode;
    }

    public ElfType type() {
        return type;
    }

    public long entry() {
        return entry;
    }

    /** PT_INTERP: the program interpreter (dynamic loader) path, as written. */
    public Optional<String> interpreter() {
        return Optional.ofNullable(interpreter);
    }

    /** Whether there is a PT_DYNAMIC segment. */
    public boolean hasDynamicSection() {
        return dynamic;
    }

    /** DT_NEEDED names, in order. */
    public List<String> needed() {
        return needed;
    }

    public Optional<String> soname() {
        return Optional.ofNullable(soname);
    }

    /** DT_RPATH split on ':' (empty elements dropped); empty when absent. */
    public List<String> rpath() {
        return rpath;
    }

    /** DT_RUNPATH split on ':' (empty elements dropped); empty when absent. */
    public List<String> runpath() {
        return runpath;
    }

    /** Whether DT_RPATH is present (even if empty). */
    public boolean hasRpath() {
        return rpathPresent;
    }

    /** Whether DT_RUNPATH is present (even if empty): then glibc ignores every DT_RPATH for its lookups. */
    public boolean hasRunpath() {
        return runpathPresent;
    }

    /** DT_FLAGS, 0 when absent. */
    public long flags() {
        return flags;
    }

    /** DT_FLAGS_1, 0 when absent. */
    public long flags1() {
        return flags1;
    }

    public boolean isPieFlagged() {
        return (flags1 & DF_1_PIE) != 0;
    }

    public boolean noDefaultLib() {
        return (flags1 & DF_1_NODEFLIB) != 0;
    }

    /** No program interpreter and nothing needed: the kernel runs it alone (a static-pie counts too). */
    public boolean isStatic() {
        return interpreter == null && needed.isEmpty();
    }

    public boolean isStaticPie() {
        return kind() == ElfKind.STATIC_PIE_EXECUTABLE;
    }

    public boolean isSharedLibrary() {
        return kind() == ElfKind.SHARED_LIBRARY;
    }

    public boolean isPieExecutable() {
        return kind() == ElfKind.PIE_EXECUTABLE;
    }

    public ElfKind kind() {
        return switch (type) {
            case REL -> ElfKind.RELOCATABLE;
            case CORE -> ElfKind.CORE;
            case EXEC -> interpreter == null && needed.isEmpty() ? ElfKind.STATIC_EXECUTABLE : ElfKind.EXECUTABLE;
            case DYN -> {
                if (isPieFlagged()) {
                    yield interpreter != null || !needed.isEmpty() ? ElfKind.PIE_EXECUTABLE : ElfKind.STATIC_PIE_EXECUTABLE;
                }
                if (soname != null) {
                    yield ElfKind.SHARED_LIBRARY;
                }
                yield interpreter != null ? ElfKind.PIE_EXECUTABLE : ElfKind.SHARED_OBJECT_UNKNOWN;
            }
            default -> ElfKind.OTHER;
        };
    }

    @Override
    public String toString() {
        return "ElfFile[" + elfClass + " " + data + " " + machine() + " " + type + " " + kind()
                + (interpreter != null ? " interp=" + interpreter : "") + " needed=" + needed
                + (soname != null ? " soname=" + soname : "") + "]";
    }

    private static List<String> split(String path) {
        if (path == null) {
            return List.of();
        }
        return Arrays.stream(path.split(":")).filter(s -> !s.isEmpty()).toList();
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Random access to the file's bytes. */
    private interface Source {
        /** Exactly {@code length} bytes at {@code offset}, or fewer when the file ends before. */
        byte[] read(long offset, int length) throws IOException;
    }

    private static final class BytesSource implements Source {
        private final byte[] bytes;

        BytesSource(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public byte[] read(long offset, int length) {
            if (offset < 0 || length <= 0 || offset >= bytes.length) {
                return new byte[0];
            }
            int end = (int) Math.min(bytes.length, offset + length);
            return Arrays.copyOfRange(bytes, (int) offset, end);
        }
    }

    /** Keeps a prefix; a range beyond it is read by opening the file again and skipping to it. */
    private static final class ImageSource implements Source {
        private final ImageFileSystem fs;
        private final FileEntry file;
        private final byte[] prefix;

        ImageSource(ImageFileSystem fs, FileEntry file) throws IOException {
            this.fs = fs;
            this.file = file;
            this.prefix = fs.read(file, PREFIX);
        }

        @Override
        public byte[] read(long offset, int length) throws IOException {
            if (offset < 0 || length <= 0) {
                return new byte[0];
            }
            if (offset + length <= prefix.length || prefix.length < PREFIX) {
                return new BytesSource(prefix).read(offset, length);
            }
            try (InputStream in = fs.open(file)) {
                long skipped = 0;
                while (skipped < offset) {
                    long n = in.skip(offset - skipped);
                    if (n <= 0) {
                        if (in.read() < 0) {
                            return new byte[0];
                        }
                        n = 1;
                    }
                    skipped += n;
                }
                return in.readNBytes(length);
            }
        }
    }

    private record Load(long offset, long vaddr, long filesz) {
    }

    private static final class Parser {
        private final Source src;
        ElfClass elfClass;
        ElfData data;
        int machine;
        ElfType type;
        long entry;
        String interpreter;
        boolean dynamic;
        final List<String> needed = new ArrayList<>();
        String soname;
        String rpath;
        String runpath;
        long flags;
        long flags1;

        Parser(Source src) {
            this.src = src;
        }

        ElfFile parse() throws IOException {
            byte[] h = src.read(0, 64);
            if (h.length < 16 || !isElf(h)) {
                throw new ElfFormatException("not an ELF file (no \\x7fELF magic)");
            }
            elfClass = switch (h[4]) {
                case 1 -> ElfClass.ELF32;
                case 2 -> ElfClass.ELF64;
                default -> throw new ElfFormatException("unknown ELF class " + h[4]);
            };
            data = switch (h[5]) {
                case 1 -> ElfData.LITTLE_ENDIAN;
                case 2 -> ElfData.BIG_ENDIAN;
                default -> throw new ElfFormatException("unknown ELF data encoding " + h[5]);
            };
            boolean is64 = elfClass == ElfClass.ELF64;
            int ehsize = is64 ? 64 : 52;
            if (h.length < ehsize) {
                throw new ElfFormatException("truncated ELF header: " + h.length + " of " + ehsize + " bytes");
            }
            type = ElfType.of(u16(h, 16));
            machine = u16(h, 18);
            entry = is64 ? u64(h, 24) : u32(h, 24);
            long phoff = is64 ? u64(h, 32) : u32(h, 28);
            long shoff = is64 ? u64(h, 40) : u32(h, 32);
            int phentsize = u16(h, is64 ? 54 : 42);
            long phnum = u16(h, is64 ? 56 : 44);
            int minPhent = is64 ? 56 : 32;
            if (phnum == 0xffff) {
                // PN_XNUM: the real count is in sh_info of section header 0.
                byte[] sh0 = src.read(shoff, is64 ? 64 : 40);
                if (shoff == 0 || sh0.length < (is64 ? 48 : 32)) {
                    throw new ElfFormatException("PN_XNUM program headers but no section header 0");
                }
                phnum = u32(sh0, is64 ? 44 : 28);
            }
            if (phnum == 0) {
                return new ElfFile(this);
            }
            if (phentsize < minPhent || phentsize > MAX_PROGRAM_HEADER_SIZE) {
                throw new ElfFormatException("program header entry size " + phentsize + " is outside " + minPhent + ".."
                        + MAX_PROGRAM_HEADER_SIZE);
            }
            if (phnum > MAX_PROGRAM_HEADERS) {
                throw new ElfFormatException(phnum + " program headers exceed the limit of " + MAX_PROGRAM_HEADERS);
            }
            long phBytes = phnum * phentsize;
            byte[] ph = src.read(phoff, (int) phBytes);
            if (phoff < 0 || ph.length < phBytes) {
                throw new ElfFormatException("truncated program headers: " + phnum + " at offset " + phoff);
            }
            List<Load> loads = new ArrayList<>();
            long dynOffset = -1;
            long dynSize = 0;
            for (int i = 0; i < phnum; i++) {
                int o = i * phentsize;
                long ptype = u32(ph, o);
                long poffset = is64 ? u64(ph, o + 8) : u32(ph, o + 4);
                long pvaddr = is64 ? u64(ph, o + 16) : u32(ph, o + 8);
                long pfilesz = is64 ? u64(ph, o + 32) : u32(ph, o + 16);
                if (ptype == PT_LOAD) {
                    loads.add(new Load(poffset, pvaddr, pfilesz));
                } else if (ptype == PT_INTERP) {
                    if (pfilesz <= 0 || pfilesz > MAX_INTERP_BYTES) {
                        throw new ElfFormatException("PT_INTERP of " + pfilesz + " bytes");
                    }
                    byte[] interp = src.read(poffset, (int) pfilesz);
                    if (poffset < 0 || interp.length < pfilesz) {
                        throw new ElfFormatException("truncated PT_INTERP at offset " + poffset);
                    }
                    int end = 0;
                    while (end < interp.length && interp[end] != 0) {
                        end++;
                    }
                    interpreter = new String(interp, 0, end, StandardCharsets.UTF_8);
                    if (interpreter.isEmpty()) {
                        throw new ElfFormatException("empty PT_INTERP");
                    }
                } else if (ptype == PT_DYNAMIC) {
                    dynamic = true;
                    dynOffset = poffset;
                    dynSize = pfilesz;
                }
            }
            if (dynamic) {
                readDynamic(dynOffset, dynSize, loads, is64);
            }
            return new ElfFile(this);
        }

        private void readDynamic(long offset, long size, List<Load> loads, boolean is64) throws IOException {
            int entsize = is64 ? 16 : 8;
            if (offset < 0 || size < 0) {
                throw new ElfFormatException("PT_DYNAMIC with a negative offset or size");
            }
            if (size > MAX_DYNAMIC_BYTES) {
                throw new ElfFormatException("PT_DYNAMIC of " + size + " bytes exceeds the limit of " + MAX_DYNAMIC_BYTES);
            }
            byte[] dyn = src.read(offset, (int) size);
            if (dyn.length < size) {
                throw new ElfFormatException("truncated dynamic section at offset " + offset + " (" + dyn.length
                        + " of " + size + " bytes)");
            }
            List<Long> neededOffsets = new ArrayList<>();
            long strtab = -1;
            long strsz = -1;
            Long sonameOff = null;
            Long rpathOff = null;
            Long runpathOff = null;
            for (int o = 0; o + entsize <= dyn.length; o += entsize) {
                long tag = is64 ? u64(dyn, o) : u32(dyn, o);
                long val = is64 ? u64(dyn, o + 8) : u32(dyn, o + 4);
                if (tag == DT_NULL) {
                    break;
                }
                if (tag == DT_NEEDED) {
                    neededOffsets.add(val);
                } else if (tag == DT_STRTAB) {
                    strtab = val;
                } else if (tag == DT_STRSZ) {
                    strsz = val;
                } else if (tag == DT_SONAME) {
                    sonameOff = val;
                } else if (tag == DT_RPATH) {
                    rpathOff = val;
                } else if (tag == DT_RUNPATH) {
                    runpathOff = val;
                } else if (tag == DT_FLAGS) {
                    flags = val;
                } else if (tag == DT_FLAGS_1) {
                    flags1 = val;
                }
            }
            boolean anyString = !neededOffsets.isEmpty() || sonameOff != null || rpathOff != null || runpathOff != null;
            if (!anyString) {
                return;
            }
            if (strtab < 0) {
                throw new ElfFormatException("dynamic section names strings but has no DT_STRTAB");
            }
            long strOffset = -1;
            long available = 0;
            for (Load l : loads) {
                if (Long.compareUnsigned(strtab, l.vaddr()) >= 0
                        && Long.compareUnsigned(strtab - l.vaddr(), l.filesz()) < 0) {
                    strOffset = l.offset() + (strtab - l.vaddr());
                    available = l.filesz() - (strtab - l.vaddr());
                    break;
                }
            }
            if (strOffset < 0) {
                throw new ElfFormatException("DT_STRTAB 0x" + Long.toHexString(strtab) + " lies in no PT_LOAD segment");
            }
            long want = strsz >= 0 ? Math.min(strsz, available) : available;
            if (want < 0 || strOffset < 0) {
                throw new ElfFormatException("the PT_LOAD segment holding DT_STRTAB has an impossible size or offset");
            }
            if (want > MAX_STRTAB_BYTES) {
                throw new ElfFormatException("dynamic string table of " + want + " bytes exceeds the limit of "
                        + MAX_STRTAB_BYTES);
            }
            byte[] strings = src.read(strOffset, (int) want);
            if (strings.length < want) {
                throw new ElfFormatException("truncated dynamic string table at offset " + strOffset + " ("
                        + strings.length + " of " + want + " bytes)");
            }
            for (long off : neededOffsets) {
                needed.add(string(strings, off, "DT_NEEDED"));
            }
            soname = sonameOff == null ? null : string(strings, sonameOff, "DT_SONAME");
            rpath = rpathOff == null ? null : string(strings, rpathOff, "DT_RPATH");
            runpath = runpathOff == null ? null : string(strings, runpathOff, "DT_RUNPATH");
        }

        private static String string(byte[] table, long offset, String what) throws ElfFormatException {
            if (offset < 0 || offset >= table.length) {
                throw new ElfFormatException(what + " string offset " + offset + " is outside the string table of "
                        + table.length + " bytes");
            }
            int start = (int) offset;
            int end = start;
            while (end < table.length && table[end] != 0) {
                end++;
            }
            if (end == table.length) {
                throw new ElfFormatException(what + " string at " + offset + " is not terminated");
            }
            return new String(table, start, end - start, StandardCharsets.UTF_8);
        }

        private int u16(byte[] b, int o) throws ElfFormatException {
            check(b, o, 2);
            return data == ElfData.LITTLE_ENDIAN
                    ? (b[o] & 0xff) | (b[o + 1] & 0xff) << 8
                    : (b[o] & 0xff) << 8 | (b[o + 1] & 0xff);
        }

        private long u32(byte[] b, int o) throws ElfFormatException {
            check(b, o, 4);
            long v = 0;
            for (int i = 0; i < 4; i++) {
                int idx = data == ElfData.LITTLE_ENDIAN ? o + 3 - i : o + i;
                v = v << 8 | (b[idx] & 0xff);
            }
            return v;
        }

        /** 64-bit values above Long.MAX_VALUE come out negative and fail the range checks. */
        private long u64(byte[] b, int o) throws ElfFormatException {
            check(b, o, 8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                int idx = data == ElfData.LITTLE_ENDIAN ? o + 7 - i : o + i;
                v = v << 8 | (b[idx] & 0xff);
            }
            return v;
        }

        private static void check(byte[] b, int o, int n) throws ElfFormatException {
            if (o < 0 || o + n > b.length) {
                throw new ElfFormatException("truncated: need " + n + " bytes at " + o + " of " + b.length);
            }
        }
    }
}
