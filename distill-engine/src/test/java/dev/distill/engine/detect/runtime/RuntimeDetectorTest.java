package dev.distill.engine.detect.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.catalog.Catalog;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeDetectorTest {

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

    @Test
    void debianLikeImageWithGlibcNssCertificatesAndZones() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/lib64/ld-linux-x86-64.so.2", ELF, 0755)
                .file("/lib/x86_64-linux-gnu/libnss_files.so.2", ELF, 0644)
                .file("/etc/nsswitch.conf", "# comment\npasswd:         files systemd\ngroup: files\nhosts: files dns [NOTFOUND=return] mdns4\n")
                .file("/etc/ssl/certs/ca-certificates.crt", "-----BEGIN CERTIFICATE-----\n")
                .symlink("/etc/ssl/cert.pem", "certs/ca-certificates.crt")
                .file("/usr/share/zoneinfo/UTC", "TZif")
                .file("/usr/share/zoneinfo/Europe/Paris", "TZif")
                .symlink("/etc/localtime", "/usr/share/zoneinfo/Europe/Paris")
                .file("/var/www/html/index.php", "<?php phpinfo();")
                .file("/var/www/html/lib/a.php", "<?php")
                .build();
        ImageConfig cfg = new ImageConfig(null, null, "", List.of("TZ=Asia/Tokyo"), null, "/var/www/html", null, null, null);
        Detection<RuntimeResult> d = new RuntimeDetector().detect(new DetectionContext(fs, cfg, Catalog.standardKinds()));
        RuntimeResult r = d.result();

        assertThat(r.certificates().bundles()).containsExactly("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem");
        assertThat(r.certificates().certDir()).isEqualTo("/etc/ssl/certs");
        assertThat(r.timeZones().zoneFiles()).isEqualTo(2);
        assertThat(r.timeZones().localtimeTarget()).isEqualTo("/usr/share/zoneinfo/Europe/Paris");
        assertThat(r.nss().glibc()).isTrue();
        assertThat(r.nss().databases().get("hosts")).containsExactly("files", "dns", "mdns4");
        assertThat(r.nss().modules()).containsExactly("/lib/x86_64-linux-gnu/libnss_files.so.2");
        assertThat(r.appDirectories()).singleElement().satisfies(a -> {
            assertThat(a.path()).isEqualTo("/var/www/html");
            assertThat(a.source()).isEqualTo("WORKDIR");
            assertThat(a.files()).isEqualTo(2);
            assertThat(a.bytes()).isEqualTo(21);
        });

        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/etc/nsswitch.conf");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.reason()).contains("'systemd'").contains("libnss_systemd.so.2 is not in the image");
        });
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> assertThat(f.reason()).contains("'mdns4'"));
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> assertThat(f.reason()).contains("TZ=Asia/Tokyo"));
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.kind()).isEqualTo(Finding.Kind.INFO);
            assertThat(f.path()).isEqualTo("/etc/ssl/cert.pem");
            assertThat(f.reason()).contains("a link to /etc/ssl/certs/ca-certificates.crt");
        });
    }

    @Test
    void muslImageWithoutCertificatesAndMissingWorkdir() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/lib/ld-musl-x86_64.so.1", ELF, 0755)
                .file("/etc/nsswitch.conf", "hosts: files dns\n")
                .build();
        ImageConfig cfg = new ImageConfig(null, null, "", List.of(), null, "/app", null, null, null);
        Detection<RuntimeResult> d = new RuntimeDetector().detect(new DetectionContext(fs, cfg, Catalog.standardKinds()));
        assertThat(d.result().nss().glibc()).isFalse();
        assertThat(d.result().certificates().bundles()).isEmpty();
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> assertThat(f.reason()).contains("no CA certificate bundle"));
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/app");
            assertThat(f.reason()).contains("WORKDIR /app does not exist");
        });
        assertThat(d.findings(Finding.Kind.INFO)).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/etc/nsswitch.conf");
            assertThat(f.reason()).contains("musl");
        });
    }
}
