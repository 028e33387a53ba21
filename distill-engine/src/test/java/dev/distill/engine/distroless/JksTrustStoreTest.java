package dev.distill.engine.distroless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trust store as OpenJDK reads it: every certificate of the bundle, the integrity digest right, the bytes stable. */
class JksTrustStoreTest {

    /** The host's CA bundle: what Debian's ca-certificates makes of the same certificates the bases carry. */
    private static byte[] bundle() throws Exception {
        return Files.readAllBytes(Path.of("/etc/ssl/certs/ca-certificates.crt"));
    }

    @Test
    void openJdkLoadsEveryCertificateAndChecksTheDigest() throws Exception {
        List<X509Certificate> certificates = JksTrustStore.certificates(bundle());
        assertThat(certificates).hasSizeGreaterThan(100);

        KeyStore store = KeyStore.getInstance("JKS");
        // With the password, load() verifies the SHA-1 over the whole file.
        store.load(new ByteArrayInputStream(JksTrustStore.write(certificates)), JksTrustStore.PASSWORD.toCharArray());
        assertThat(store.size()).isEqualTo(certificates.size());
        for (String alias : Collections.list(store.aliases())) {
            assertThat(store.isCertificateEntry(alias)).as(alias).isTrue();
            assertThat(alias).matches("distill:[0-9a-f]{16}");
        }
        assertThat(store.getCertificateAlias(certificates.get(0))).isNotNull();
    }

    @Test
    void theSameCertificatesGiveTheSameBytesInAnyOrder() throws Exception {
        List<X509Certificate> certificates = JksTrustStore.certificates(bundle());
        List<X509Certificate> reversed = new java.util.ArrayList<>(certificates);
        Collections.reverse(reversed);
        assertThat(JksTrustStore.write(reversed)).isEqualTo(JksTrustStore.write(certificates));
    }

    @Test
    void aTamperedStoreFailsOpenJdksIntegrityCheck() throws Exception {
        byte[] bytes = JksTrustStore.write(JksTrustStore.certificates(bundle()));
        bytes[40] ^= 1;
        KeyStore store = KeyStore.getInstance("JKS");
        assertThatThrownBy(() -> store.load(new ByteArrayInputStream(bytes), JksTrustStore.PASSWORD.toCharArray()))
                .hasMessageContaining("tampered");
    }

    @Test
    void aBundleWithoutCertificatesIsRefused() {
        assertThatThrownBy(() -> JksTrustStore.certificates("no certificates here\n".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(DistrolessBuildException.class);
    }
}
