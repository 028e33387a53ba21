package dev.distill.engine.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes {@code .deb} files by hand, member by member, for tests that need what dpkg-deb would refuse to build
 * (hostile paths, device files, wrong member order).
 */
public final class DebFile {

    private DebFile() {
    }

    /** A package of the given control text and data.tar: debian-binary, control.tar.gz, data.tar (uncompressed). */
    public static Path write(Path file, String control, byte[] dataTar) {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
        members.put("control.tar.gz", gzip(controlTar(control)));
        members.put("data.tar", dataTar);
        try {
            return Files.write(file, ar(members));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** control.tar with {@code ./} and {@code ./control}. */
    public static byte[] controlTar(String control) {
        TarWriter tar = new TarWriter();
        tar.entry("./", '5', 0755, 0, 0, new byte[0], "");
        tar.entry("./control", '0', 0644, 0, 0, control.getBytes(StandardCharsets.UTF_8), "");
        return tar.finish();
    }

    /** The ar format as dpkg-deb writes it: 60-byte headers, data padded to an even length with '\n'. */
    public static byte[] ar(Map<String, byte[]> members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("!<arch>\n".getBytes(StandardCharsets.US_ASCII));
        members.forEach((name, data) -> {
            String header = String.format("%-16s%-12s%-6s%-6s%-8s%-10s`\n", name, "0", "0", "0", "100644", data.length);
            out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(data);
            if (data.length % 2 == 1) {
                out.write('\n');
            }
        });
        return out.toByteArray();
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
