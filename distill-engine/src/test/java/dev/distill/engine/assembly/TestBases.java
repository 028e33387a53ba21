package dev.distill.engine.assembly;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.registry.ImageUpload;
import dev.distill.engine.registry.RegistryClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A small stand-in for the distroless bases, with their accounts, a 1777 /tmp and the non-usr-merged /lib of
 * Debian 12 distroless, pushed under every flavour and variant. Assembly tests need a base's structure, not its
 * packages; the real bases have their own tests.
 */
final class TestBases {

    static final String PASSWD = "root:x:0:0:root:/root:/sbin/nologin\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
            + "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
    static final String GROUP = "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n";

    private TestBases() {
    }

    /** Pushes the base as {@code <registry>/distill/<flavour>:<latest|nonroot>}; returns the pattern. */
    static BaseCatalog push(RegistryClient client, String registry, Path dir) throws Exception {
        Path file = Files.createTempFile(dir, "base", ".tar.gz");
        WrittenLayer layer;
        try (LayerWriter w = new LayerWriter(file)) {
            w.directory("/etc", 0755, 0, 0);
            w.file("/etc/group", 0644, 0, 0, GROUP.getBytes(StandardCharsets.UTF_8));
            w.file("/etc/passwd", 0644, 0, 0, PASSWD.getBytes(StandardCharsets.UTF_8));
            w.directory("/home", 0755, 0, 0);
            w.directory("/home/nonroot", 0700, 65532, 65532);
            w.directory("/lib", 0755, 0, 0);
            w.directory("/tmp", 01777, 0, 0);
            w.directory("/usr", 0755, 0, 0);
            w.directory("/usr/lib", 0755, 0, 0);
            w.directory("/var", 0755, 0, 0);
            layer = w.finish();
        }
        ImageUpload upload = new ImageUpload(client);
        for (BaseImage flavour : BaseImage.values()) {
            for (boolean nonroot : new boolean[] {false, true}) {
                ObjectNode config = new ObjectMapper().createObjectNode();
                config.put("architecture", "amd64");
                config.put("os", "linux");
                ObjectNode c = config.putObject("config");
                c.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                        .add("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt");
                c.put("User", nonroot ? "65532" : "0");
                c.put("WorkingDir", nonroot ? "/home/nonroot" : "/");
                ImageReference repo = ImageReference.parse(registry + "/distill/" + flavour.flavour());
                upload.tag(upload.push(repo, List.of(layer.upload()), config, Map.of()),
                        nonroot ? "nonroot" : "latest");
            }
        }
        return new BaseCatalog(registry + "/distill/{flavour}:{variant}");
    }
}
