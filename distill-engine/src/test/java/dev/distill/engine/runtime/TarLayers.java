package dev.distill.engine.runtime;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayeredFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** Images whose layers GNU tar writes from staged directories (owners as staged, whiteouts as plain files). */
final class TarLayers {

    private final Path blobs;
    private final List<Descriptor> layers = new ArrayList<>();

    TarLayers(Path dir) throws IOException {
        this.blobs = Files.createDirectories(dir.resolve("blobs"));
    }

    /** Adds a layer of everything under {@code staged} (numeric owners, as docker's and buildah's tars have). */
    TarLayers layer(Path staged) throws IOException, InterruptedException {
        return layer(staged, List.of("--xattrs", "."));
    }

    /**
     * Adds a layer of just these files under {@code staged}, without entries for their directories (as GNU tar writes
     * the members it is named): a layer that only implies its parents.
     */
    TarLayers filesOnly(Path staged, String... paths) throws IOException, InterruptedException {
        List<String> members = new ArrayList<>(List.of("--no-recursion"));
        members.addAll(List.of(paths));
        return layer(staged, members);
    }

    private TarLayers layer(Path staged, List<String> members) throws IOException, InterruptedException {
        Path tar = blobs.resolve("layer.tar");
        List<String> command = new ArrayList<>(List.of("tar", "--numeric-owner", "-C", staged.toString(), "-cf", tar.toString()));
        command.addAll(members);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("tar failed: " + out);
        }
        return add(tar);
    }

    /**
     * Adds a layer written by Python's {@code tarfile}: one hard link {@code link} to {@code target}, a file of a
     * lower layer (legal in an image, impossible for a layer on its own).
     */
    TarLayers hardLinkLayer(String link, String target) throws IOException, InterruptedException {
        Path tar = blobs.resolve("layer.tar");
        String script = "import sys, tarfile\n"
                + "with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:\n"
                + "    i = tarfile.TarInfo(sys.argv[2]); i.type = tarfile.LNKTYPE; i.linkname = sys.argv[3]; t.addfile(i)\n";
        Process p = new ProcessBuilder("python3", "-c", script, tar.toString(), link, target).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("python3 tarfile failed: " + out);
        }
        return add(tar);
    }

    private TarLayers add(Path tar) throws IOException {
        byte[] bytes = Files.readAllBytes(tar);
        Digest digest = Digest.sha256(bytes);
        Files.createDirectories(blobs.resolve("sha256"));
        Files.move(tar, blobs.resolve("sha256").resolve(digest.hex()), StandardCopyOption.REPLACE_EXISTING);
        layers.add(new Descriptor(MediaTypes.OCI_LAYER_TAR, digest, bytes.length));
        return this;
    }

    LayeredFileSystem image() throws IOException {
        return LayeredFileSystem.build(layers, BlobSource.directory(blobs));
    }

    List<Descriptor> layers() {
        return List.copyOf(layers);
    }

    /** A file under {@code root} with content, owner and mode. */
    static Path file(Path root, String path, String content, int uid, int gid, int mode) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setAttribute(p, "unix:uid", uid);
        Files.setAttribute(p, "unix:gid", gid);
        Files.setAttribute(p, "unix:mode", mode);
        return p;
    }

    /** The host's static busybox with a few applets, and accounts, under {@code root}. */
    static void busybox(Path root) throws IOException {
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.copy(Busybox.BINARY, bin.resolve("busybox"));
        for (String applet : List.of("sh", "cat", "echo", "ls", "stat", "test", "rm", "chown", "sleep")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        file(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/sh\n", 0, 0, 0644);
        Files.createDirectories(root.resolve("tmp"));
    }
}
