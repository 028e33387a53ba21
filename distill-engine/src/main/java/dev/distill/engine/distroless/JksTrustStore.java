package dev.distill.engine.distroless;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/**
 * A Java trust store of CA certificates in the JKS format, the format of OpenJDK 17's own {@code cacerts}, written
 * byte for byte reproducibly: entries sorted by alias, every entry dated at the epoch. Java's {@code KeyStore} API
 * cannot do that (it stamps each entry with the current time), and Debian's {@code ca-certificates-java} makes the
 * file in a maintainer script, which a distroless build never runs.
 *
 * <p>Format (OpenJDK's {@code JavaKeyStore}): magic {@code 0xFEEDFEED}, version 2, the entry count, then per trusted
 * certificate the tag 2, its alias, a time in milliseconds, the type {@code X.509} and the DER bytes; last, a SHA-1
 * over the password (UTF-16BE), the words "Mighty Aphrodite" and everything before.
 */
final class JksTrustStore {

    /** OpenJDK's default {@code cacerts} password; a trust store holds no secrets. */
    static final String PASSWORD = "changeit";
    private static final int MAGIC = 0xFEEDFEED;
    private static final int VERSION = 2;
    private static final int TRUSTED_CERTIFICATE = 2;
    private static final String SALT = "Mighty Aphrodite";

    private JksTrustStore() {
    }

    /** The certificates of a PEM bundle such as {@code /etc/ssl/certs/ca-certificates.crt}, in bundle order. */
    static List<X509Certificate> certificates(byte[] pemBundle) throws DistrolessBuildException {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (var c : factory.generateCertificates(new java.io.ByteArrayInputStream(pemBundle))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new DistrolessBuildException("the CA bundle holds no certificate");
            }
            return out;
        } catch (CertificateException e) {
            throw new DistrolessBuildException("the CA bundle cannot be read as X.509 certificates: " + e.getMessage(), e);
        }
    }

    /**
     * The JKS file for the certificates, each under the alias {@code distill:<first 16 hex digits of its SHA-256>}
     * (an alias must be unique and say nothing the certificate does not).
     */
    static byte[] write(List<X509Certificate> certificates) {
        TreeMap<String, byte[]> byAlias = new TreeMap<>();
        for (X509Certificate certificate : certificates) {
            byte[] der;
            try {
                der = certificate.getEncoded();
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("a certificate cannot be encoded: " + certificate.getSubjectX500Principal(), e);
            }
            byAlias.putIfAbsent("distill:" + HexFormat.of().formatHex(sha("SHA-256").digest(der)).substring(0, 16), der);
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(byAlias.size());
            for (var entry : byAlias.entrySet()) {
                out.writeInt(TRUSTED_CERTIFICATE);
                out.writeUTF(entry.getKey());
                out.writeLong(0L);
                out.writeUTF("X.509");
                out.writeInt(entry.getValue().length);
                out.write(entry.getValue());
            }
            out.flush();
            MessageDigest digest = sha("SHA-1");
            for (char c : PASSWORD.toCharArray()) {
                digest.update((byte) (c >> 8));
                digest.update((byte) c);
            }
            digest.update(SALT.getBytes(StandardCharsets.UTF_8));
            digest.update(bytes.toByteArray());
            out.write(digest.digest());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every Java runtime", e);
        }
    }
}
