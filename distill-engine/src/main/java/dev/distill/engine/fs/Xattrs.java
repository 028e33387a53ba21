package dev.distill.engine.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A file's extended attributes as its layer recorded them, immutable. {@link #values()} are the attributes a
 * runtime applies (name to value, byte-exact: ACLs, capabilities and SELinux labels are binary or NUL-terminated);
 * {@link #texts()} are what GNU tar and libarchive record as text beside them, by PAX key: POSIX ACLs in
 * {@code getfacl} spelling ({@code SCHILY.acl.access}, {@code SCHILY.acl.default}) and GNU tar's SELinux
 * context ({@code RHT.security.selinux}). Container runtimes (Go's archive/tar) ignore the texts; they are kept so
 * that a layer written back says what it said.
 */
public final class Xattrs {

    public static final Xattrs NONE = new Xattrs(new TreeMap<>(), new TreeMap<>());

    /** Linux file capabilities: privilege, like setuid. */
    public static final String CAPABILITY = "security.capability";
    public static final String SELINUX = "security.selinux";
    public static final String ACL_ACCESS = "system.posix_acl_access";
    public static final String ACL_DEFAULT = "system.posix_acl_default";
    public static final String ACL_ACCESS_TEXT = "SCHILY.acl.access";
    public static final String ACL_DEFAULT_TEXT = "SCHILY.acl.default";
    public static final String SELINUX_TEXT = "RHT.security.selinux";

    private static final List<String> TEXT_KEYS = List.of(ACL_ACCESS_TEXT, ACL_DEFAULT_TEXT, SELINUX_TEXT);

    private final SortedMap<String, byte[]> values;
    private final SortedMap<String, String> texts;

    private Xattrs(TreeMap<String, byte[]> values, TreeMap<String, String> texts) {
        this.values = Collections.unmodifiableSortedMap(values);
        this.texts = Collections.unmodifiableSortedMap(texts);
    }

    /**
     * @param values attribute name to value; names must be non-empty without NUL or {@code =}
     * @param texts text records by PAX key, one of {@link #textKeys()}
     */
    public static Xattrs of(Map<String, byte[]> values, Map<String, String> texts) {
        if (values.isEmpty() && texts.isEmpty()) {
            return NONE;
        }
        TreeMap<String, byte[]> v = new TreeMap<>();
        values.forEach((name, value) -> {
            if (name == null || name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('=') >= 0 || value == null) {
                throw new IllegalArgumentException("not an extended attribute name and value: '" + name + "'");
            }
            v.put(name, value.clone());
        });
        TreeMap<String, String> t = new TreeMap<>();
        texts.forEach((key, text) -> {
            if (!TEXT_KEYS.contains(key) || text == null) {
                throw new IllegalArgumentException("not a text record of extended metadata: '" + key + "' (known: " + TEXT_KEYS + ")");
            }
            t.put(key, text);
        });
        return new Xattrs(v, t);
    }

    public static Xattrs of(Map<String, byte[]> values) {
        return of(values, Map.of());
    }

    /** The PAX keys of the text records this model keeps. */
    public static List<String> textKeys() {
        return TEXT_KEYS;
    }

    public boolean isEmpty() {
        return values.isEmpty() && texts.isEmpty();
    }

    /** Attribute names in order. */
    public java.util.Set<String> names() {
        return values.keySet();
    }

    /** A copy of one attribute's value. */
    public Optional<byte[]> value(String name) {
        byte[] v = values.get(name);
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    /** Every attribute; the arrays are this object's own: do not change them. */
    public SortedMap<String, byte[]> values() {
        return values;
    }

    public SortedMap<String, String> texts() {
        return texts;
    }

    /** Bytes held, for memory bounds. */
    public long byteSize() {
        long n = 0;
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
            n += e.getKey().length() + e.getValue().length;
        }
        for (Map.Entry<String, String> e : texts.entrySet()) {
            n += e.getKey().length() + e.getValue().length();
        }
        return n;
    }

    /** Only the attributes (and texts) whose name (or PAX key) the filter keeps. */
    public Xattrs filter(Predicate<String> keep) {
        TreeMap<String, byte[]> v = new TreeMap<>();
        values.forEach((name, value) -> {
            if (keep.test(name)) {
                v.put(name, value);
            }
        });
        TreeMap<String, String> t = new TreeMap<>();
        texts.forEach((key, text) -> {
            if (keep.test(key)) {
                t.put(key, text);
            }
        });
        return v.isEmpty() && t.isEmpty() ? NONE : new Xattrs(v, t);
    }

    /** True for the POSIX ACL attributes and their text records. */
    public static boolean isAcl(String name) {
        return name.equals(ACL_ACCESS) || name.equals(ACL_DEFAULT) || name.equals(ACL_ACCESS_TEXT) || name.equals(ACL_DEFAULT_TEXT);
    }

    /** True for the SELinux label and GNU tar's text record of it. */
    public static boolean isSelinux(String name) {
        return name.equals(SELINUX) || name.equals(SELINUX_TEXT);
    }

    /**
     * One attribute or text record for people: an ACL as {@code user::rwx,user:33:rwx,...}, a capability set as
     * {@code cap_net_raw=ep}, text as it is, anything else as hex (at most 64 bytes shown).
     */
    public String describe(String name) {
        String text = texts.get(name);
        if (text != null) {
            return text.strip().replace('\n', ',');
        }
        byte[] v = values.get(name);
        if (v == null) {
            return "";
        }
        if (name.equals(ACL_ACCESS) || name.equals(ACL_DEFAULT)) {
            return PosixAcl.describe(v);
        }
        if (name.equals(CAPABILITY)) {
            return Capabilities.describe(v);
        }
        if (name.equals(SELINUX)) {
            int end = v.length > 0 && v[v.length - 1] == 0 ? v.length - 1 : v.length;
            return new String(v, 0, end, StandardCharsets.UTF_8);
        }
        return "0x" + HexFormat.of().formatHex(v, 0, Math.min(v.length, 64)) + (v.length > 64 ? "... (" + v.length + " bytes)" : "");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Xattrs other) || !texts.equals(other.texts) || values.size() != other.values.size()) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.values.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = texts.hashCode();
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
            h = 31 * h + e.getKey().hashCode() * 17 + Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        if (isEmpty()) {
            return "{}";
        }
        List<String> parts = new ArrayList<>();
        values.keySet().forEach(n -> parts.add(n + "=" + describe(n)));
        texts.keySet().forEach(k -> parts.add(k + "=" + describe(k)));
        return "{" + String.join("; ", parts) + "}";
    }

    /** The binary form of {@code system.posix_acl_*}: a version word 2, then (tag u16, perm u16, id u32) entries. */
    static final class PosixAcl {
        private PosixAcl() {
        }

        static String describe(byte[] v) {
            ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
            if (v.length < 4 || (v.length - 4) % 8 != 0 || b.getInt() != 2) {
                return "unreadable ACL (" + v.length + " bytes)";
            }
            List<String> entries = new ArrayList<>();
            while (b.remaining() >= 8) {
                int tag = b.getShort() & 0xffff;
                int perm = b.getShort() & 0xffff;
                long id = b.getInt() & 0xffffffffL;
                String who = switch (tag) {
                    case 0x01 -> "user:";
                    case 0x02 -> "user:" + id;
                    case 0x04 -> "group:";
                    case 0x08 -> "group:" + id;
                    case 0x10 -> "mask:";
                    case 0x20 -> "other:";
                    default -> "tag" + tag + ":" + id;
                };
                entries.add(who + ":" + ((perm & 4) != 0 ? "r" : "-") + ((perm & 2) != 0 ? "w" : "-") + ((perm & 1) != 0 ? "x" : "-"));
            }
            return String.join(",", entries);
        }
    }

    /** {@code struct vfs_cap_data} (revisions 1 to 3): magic and flags, then permitted/inheritable words. */
    static final class Capabilities {
        private static final String[] NAMES = {"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
            "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock",
            "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
            "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
            "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
            "checkpoint_restore"};

        private Capabilities() {
        }

        static String describe(byte[] v) {
            if (v.length < 12) {
                return "unreadable capability set (" + v.length + " bytes)";
            }
            ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
            int magic = b.getInt();
            boolean effective = (magic & 1) != 0;
            int words = switch (magic & 0xff000000) {
                case 0x01000000 -> 1;
                case 0x02000000, 0x03000000 -> 2;
                default -> 0;
            };
            if (words == 0 || v.length < 4 + 8 * words) {
                return "unreadable capability set (revision 0x" + Integer.toHexString(magic >>> 24) + ", " + v.length + " bytes)";
            }
            long permitted = 0;
            long inheritable = 0;
            for (int i = 0; i < words; i++) {
                permitted |= (b.getInt() & 0xffffffffL) << (32 * i);
                inheritable |= (b.getInt() & 0xffffffffL) << (32 * i);
            }
            List<String> parts = new ArrayList<>();
            for (int bit = 0; bit < 64; bit++) {
                boolean p = (permitted >>> bit & 1) != 0;
                boolean in = (inheritable >>> bit & 1) != 0;
                if (p || in) {
                    String name = bit < NAMES.length ? "cap_" + NAMES[bit] : "cap_" + bit;
                    parts.add(name + "=" + (effective ? "e" : "") + (in ? "i" : "") + (p ? "p" : ""));
                }
            }
            String owner = (magic & 0xff000000) == 0x03000000 && v.length >= 24 ? " (namespace root uid " + (b.getInt() & 0xffffffffL) + ")" : "";
            return (parts.isEmpty() ? "no capabilities" : String.join(",", parts)) + owner;
        }
    }
}
