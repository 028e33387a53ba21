package dev.distill.engine.assembly;

import dev.distill.engine.wiring.PodWiring;
import java.util.List;

/**
 * What the builder did for one migration, stored beside the analysis report: every result image with its base,
 * user, sizes, file changes, the source's packages it carries and its SBOMs, what was left behind (tools, packages
 * and files), and the generated wiring that runs the programs together.
 *
 * @param analysisLocation where the analysis report (with the plan) this build followed is
 * @param wiring the pod wiring, plus its Kubernetes and compose renderings
 */
public record BuildReport(int schemaVersion, String source, String sourceDigest, String analysisLocation, List<Image> images,
        LeftBehind leftBehind, long sourceCompressedSize, long sourceUncompressedSize, Wiring wiring) {

    /** 2: each image's {@code contents} (packages carried, their records, files of no package, SBOMs) and
     * {@code leftBehind.packageSurface}. */
    public static final int SCHEMA_VERSION = 2;
    public static final String MEDIA_TYPE = "application/vnd.distill.build.v1+json";
    public static final String ARTIFACT_TYPE = "application/vnd.distill.build.report.v1";

    public BuildReport {
        images = List.copyOf(images);
    }

    /**
     * One result image.
     *
     * @param role {@code PROGRAM}, or {@code INIT} for an image that runs an entrypoint step before the programs
     * @param baked what the entrypoint's build-time steps made, changed or deleted in it, each with its step
     * @param contents the source's packages it carries (in full or in part) and their records, its files of no
     *     package, and where its SBOMs are
     * @param repaired the files repair rounds carried beyond the plan, with their bytes (included in the sizes)
     */
    public record Image(String program, String role, String reference, String digest, String base, String baseDigest,
            String user, String userReason, int files, long compressedSize, long uncompressedSize, List<FileChange> changes,
            List<BakedEntry> baked, ResultContents contents, List<RepairedFile> repaired) {

        public Image {
            role = role == null ? ImageAssembler.Role.PROGRAM.name() : role;
            changes = List.copyOf(changes);
            baked = baked == null ? List.of() : List.copyOf(baked);
            contents = contents == null ? ResultContents.NONE : contents;
            repaired = repaired == null ? List.of() : List.copyOf(repaired);
        }

        /** An image that no repair round touched. */
        public Image(String program, String role, String reference, String digest, String base, String baseDigest,
                String user, String userReason, int files, long compressedSize, long uncompressedSize,
                List<FileChange> changes, List<BakedEntry> baked, ResultContents contents) {
            this(program, role, reference, digest, base, baseDigest, user, userReason, files, compressedSize,
                    uncompressedSize, changes, baked, contents, List.of());
        }

        /** An image without package records, that no repair round touched. */
        public Image(String program, String role, String reference, String digest, String base, String baseDigest,
                String user, String userReason, int files, long compressedSize, long uncompressedSize,
                List<FileChange> changes, List<BakedEntry> baked) {
            this(program, role, reference, digest, base, baseDigest, user, userReason, files, compressedSize,
                    uncompressedSize, changes, baked, ResultContents.NONE, List.of());
        }

        /** A program's image without baked files or package records, that no repair round touched. */
        public Image(String program, String reference, String digest, String base, String baseDigest, String user,
                String userReason, int files, long compressedSize, long uncompressedSize, List<FileChange> changes) {
            this(program, ImageAssembler.Role.PROGRAM.name(), reference, digest, base, baseDigest, user, userReason, files,
                    compressedSize, uncompressedSize, changes, List.of(), ResultContents.NONE, List.of());
        }

        /** The bytes repair rounds added to this image. */
        public long repairedBytes() {
            return repaired.stream().mapToLong(RepairedFile::bytes).sum();
        }
    }

    /**
     * How the result images run together.
     *
     * @param pod the machine-readable pod description (what the verifier runs)
     * @param kubernetes a Kubernetes Deployment, YAML
     * @param compose a compose file, YAML
     */
    public record Wiring(PodWiring pod, String kubernetes, String compose) {
    }

    /** The report of an assembly, naming each image by the tag {@link ImageAssembler#publish} gives it. */
    public static BuildReport of(String source, String sourceDigest, String analysisLocation, ImageAssembler.Assembly assembly,
            Wiring wiring) {
        List<Image> images = assembly.images().stream().map(i -> new Image(i.program(), i.role().name(),
                i.taggedReference().toString(), i.pushed().manifestDigest().toString(), i.base(), i.baseDigest().toString(),
                i.user(), i.userReason(), i.files(), i.compressedSize(), i.uncompressedSize(), i.changes(), i.baked(),
                i.contents(), i.repaired())).toList();
        return new BuildReport(SCHEMA_VERSION, source, sourceDigest, analysisLocation, images, assembly.leftBehind(),
                assembly.sourceCompressedSize(), assembly.sourceUncompressedSize(), wiring);
    }
}
