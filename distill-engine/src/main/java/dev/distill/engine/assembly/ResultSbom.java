package dev.distill.engine.assembly;

import dev.distill.engine.bake.BakedFile;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.registry.ImageUpload;
import dev.distill.engine.registry.PushedBlobs;
import dev.distill.engine.registry.Referrers;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import dev.distill.engine.sbom.CycloneDxSbom;
import dev.distill.engine.sbom.ImageContents;
import dev.distill.engine.sbom.SpdxSbom;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The SBOMs of one pushed result image, attached to it as OCI referrers: CycloneDX 1.6 JSON (artifact type
 * {@code application/vnd.cyclonedx+json}) and SPDX 2.3 JSON ({@code application/spdx+json}).
 */
final class ResultSbom {

    private ResultSbom() {
    }

    static ResultContents.Sbom attach(RegistryClient client, PushedBlobs blobs, String version, ProgramPlan program, ImageUpload.Pushed pushed,
            ImageReference baseReference, ResolvedImage base, BasePackages basePackages,
            ImageAssembler.Source source, PackageRecords.Result records, ResultContents contents, List<BakedFile> baked,
            SourceContent content) throws IOException, RegistryException {
        ImageReference repository = pushed.reference();
        String architecture = source.image().platform() == null ? null : source.image().platform().architecture();
        // Images by repository and digest, without tags: a tag moves, and the same image (the same plan built from the
        // same source pushed under two tags) must get the same SBOM, not a second referrer.
        ImageContents described = new ImageContents(
                new ImageContents.Image(repository.registry() + "/" + repository.repository(), null, pushed.manifestDigest(),
                        architecture),
                new ImageContents.Image(baseReference.registry() + "/" + baseReference.repository(), null,
                        base.manifestDigest(), architecture),
                new ImageContents.Image(source.image().reference().registry() + "/" + source.image().reference().repository(),
                        null, source.image().pushedDigest(), architecture),
                program.name(), distro(source.surface()), basePackages.distro(), records.packages(),
                basePackages.packages(), looseFiles(program, contents, baked, content), version);
        Descriptor subject = new Descriptor(MediaTypes.OCI_MANIFEST, pushed.manifestDigest(), pushed.manifest().length,
                null, Map.of());
        Map<String, String> annotations = Map.of("org.opencontainers.image.created", ImageAssembler.CREATED,
                "dev.distill.program", program.name());
        // Both at once, and the fallback index written once with both (CycloneDX first, as it always was).
        List<Referrers.Attached> attached = new Referrers(client, blobs).attachAll(repository, subject, List.of(
                new Referrers.Artifact(CycloneDxSbom.MEDIA_TYPE, CycloneDxSbom.MEDIA_TYPE, CycloneDxSbom.write(described),
                        annotations),
                new Referrers.Artifact(SpdxSbom.MEDIA_TYPE, SpdxSbom.MEDIA_TYPE, SpdxSbom.write(described), annotations)));
        Referrers.Attached cyclonedx = attached.get(0);
        Referrers.Attached spdx = attached.get(1);
        return new ResultContents.Sbom(cyclonedx.location(), cyclonedx.manifestDigest().toString(), spdx.location(),
                spdx.manifestDigest().toString(), cyclonedx.indexedByRegistry() ? "referrers API"
                        : "tag schema (" + Referrers.fallbackTag(pushed.manifestDigest()) + ")");
    }

    private static ImageContents.Distro distro(SurfaceResult surface) {
        if (surface == null || surface.os() == null || surface.os().id().isEmpty()) {
            return null;
        }
        return new ImageContents.Distro(surface.os().id(), surface.os().versionId());
    }

    /**
     * The image's files of no package, with their hashes (regular files) or link targets: the carried ones as the
     * source has them, the ones the entrypoint's baked steps made or changed as the bake left them.
     */
    private static List<ImageContents.LooseFile> looseFiles(ProgramPlan program, ResultContents contents,
            List<BakedFile> baked, SourceContent content) throws IOException {
        List<ImageContents.LooseFile> out = new ArrayList<>();
        Map<String, String> reasons = new HashMap<>();
        program.files().forEach(f -> reasons.put(f.path(), f.reason()));
        Map<String, BakedFile> bakedByPath = new HashMap<>();
        baked.forEach(f -> bakedByPath.put(f.path(), f));
        for (String path : contents.unpackaged()) {
            BakedFile made = bakedByPath.get(path);
            if (made != null) {
                String reason = "made or changed by the entrypoint's build-time step " + made.madeBy();
                if (made.type() == FileType.SYMLINK) {
                    out.add(new ImageContents.LooseFile(path, 0, made.linkTarget(), null, null, reason));
                } else {
                    try (InputStream in = Files.newInputStream(made.content())) {
                        out.add(hashed(path, made.size(), in, reason));
                    }
                }
                continue;
            }
            FileEntry e = content.view().entry(path).orElse(null);
            if (e == null) {
                continue;
            }
            String reason = reasons.getOrDefault(path, "the base has a file there that the source's symlink hides");
            if (e.type() == FileType.SYMLINK) {
                out.add(new ImageContents.LooseFile(path, 0, e.linkTarget(), null, null, reason));
                continue;
            }
            long size = content.size(path);
            if (size < 0) {
                continue; // a device or FIFO the layer left out
            }
            try (InputStream in = content.open(path)) {
                out.add(hashed(path, size, in, reason));
            }
        }
        return out;
    }

    private static ImageContents.LooseFile hashed(String path, long size, InputStream in, String reason) throws IOException {
        MessageDigest sha256 = digest("SHA-256");
        MessageDigest sha1 = digest("SHA-1");
        byte[] buffer = new byte[64 << 10];
        for (int n; (n = in.read(buffer)) > 0; ) {
            sha256.update(buffer, 0, n);
            sha1.update(buffer, 0, n);
        }
        return new ImageContents.LooseFile(path, size, null, HexFormat.of().formatHex(sha256.digest()),
                HexFormat.of().formatHex(sha1.digest()), reason);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JVM", e);
        }
    }
}
