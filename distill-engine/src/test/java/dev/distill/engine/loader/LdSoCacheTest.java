package dev.distill.engine.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.elf.HostTools;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LdSoCacheTest {

    /** Writes a cache like ldconfig: optionally the old table first, then the new format. */
    static byte[] cache(boolean withOld, String... namePathPairs) {
        int n = namePathPairs.length / 2;
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        int newHeader = 48 + n * 24;
        int[] keys = new int[n];
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            keys[i] = newHeader + strings.size();
            strings.writeBytes((namePathPairs[2 * i] + "\0").getBytes(StandardCharsets.UTF_8));
            values[i] = newHeader + strings.size();
            strings.writeBytes((namePathPairs[2 * i + 1] + "\0").getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer nb = ByteBuffer.allocate(newHeader + strings.size()).order(ByteOrder.LITTLE_ENDIAN);
        nb.put("glibc-ld.so.cache1.1".getBytes(StandardCharsets.US_ASCII));
        nb.putInt(n).putInt(strings.size()).put((byte) 2).put(new byte[3]).putInt(0).put(new byte[12]);
        for (int i = 0; i < n; i++) {
            nb.putInt(0x0303).putInt(keys[i]).putInt(values[i]).putInt(0).putLong(0);
        }
        nb.put(strings.toByteArray());
        if (!withOld) {
            return nb.array();
        }
        // An old table with no entries, padded to 8 bytes, then the new format.
        ByteBuffer ob = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        ob.put("ld.so-1.7.0".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).putInt(0);
        byte[] all = Arrays.copyOf(ob.array(), 16 + nb.capacity());
        System.arraycopy(nb.array(), 0, all, 16, nb.capacity());
        return all;
    }

    @Test
    void newFormatAloneAndAfterTheOldTable() {
        for (boolean old : new boolean[] {false, true}) {
            LdSoCache c = LdSoCache.parse(cache(old, "libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1",
                    "libfoo.so", "/opt/foo/libfoo.so"));
            assertThat(c.format()).isEqualTo(old ? "old+new" : "new");
            assertThat(c.entries()).extracting(LdSoCache.Entry::name).containsExactly("libz.so.1", "libfoo.so");
            assertThat(c.lookup("libfoo.so", f -> f == 0x0303)).get().extracting(LdSoCache.Entry::path)
                    .isEqualTo("/opt/foo/libfoo.so");
            assertThat(c.lookup("libfoo.so", f -> f == 0x0003)).isEmpty();
        }
    }

    @Test
    void brokenCachesAreRejectedWithAReason() {
        assertThatThrownBy(() -> LdSoCache.parse(new byte[10])).hasMessageContaining("not an ld.so.cache");
        byte[] good = cache(false, "libz.so.1", "/lib/libz.so.1");
        assertThatThrownBy(() -> LdSoCache.parse(Arrays.copyOf(good, 60))).hasMessageContaining("truncated");
        byte[] far = good.clone();
        far[48 + 4 + 2] = 0x7f;
        assertThatThrownBy(() -> LdSoCache.parse(far)).hasMessageContaining("outside the file");
    }

    @Test
    void theHostsCacheReadsAsLdconfigPrintsIt() throws Exception {
        Path cache = Path.of("/etc/ld.so.cache");
        assertThat(cache).exists();
        LdSoCache c = LdSoCache.parse(Files.readAllBytes(cache));
        String out = HostTools.runOk("/sbin/ldconfig", "-p");
        List<String> expected = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s+(\\S+) \\(([^)]*)\\) => (\\S+)$").matcher(out);
        while (m.find()) {
            expected.add(m.group(1) + " " + m.group(3));
        }
        assertThat(expected).isNotEmpty();
        assertThat(c.entries()).extracting(e -> e.name() + " " + e.path()).containsExactlyElementsOf(expected);
    }
}
