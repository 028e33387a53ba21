package dev.distill.engine.assembly;

import java.util.List;

/**
 * What the builder did for one migration, stored beside the analysis report: every result image with its base,
 * user, sizes and file changes, what was left behind, and the generated wiring that runs the programs together.
 *
 * @param wiring the pod wiring as JSON-serialisable data, plus its Kubernetes and compose renderings
 */
public record BuildReport(int schemaVersion, String source, String sourceDigest, List<Image> images,
        LeftBehind leftBehind, long sourceCompressedSize, long sourceUncompressedSize, Wiring wiring) {

    public static final int SCHEMA_VERSION = 1;
    public static final String MEDIA_TYPE = "application/vnd.distill.build.v1+json";
    public static final String ARTIFACT_TYPE = "application/vnd.distill.build.report.v1";

    public BuildReport {
        images = List.copyOf(images);
    }

    /** One result image. */
    public record Image(String program, String reference, String digest, String base, String baseDigest, String user,
            String userReason, int files, long compressedSize, long uncompressedSize, List<FileChange> changes) {

        public Image {
            changes = List.copyOf(changes);
        }
    }

    /**
     * How the result images run together.
     *
     * @param pod the machine-readable pod description (what the verifier runs)
     * @param kubernetes a Kubernetes Deployment, YAML
     * @param compose a compose file, YAML
     */
    public record Wiring(Object pod, String kubernetes, String compose) {
    }

    /** The report of an assembly, naming each image by the tag {@link ImageAssembler#publish} gives it. */
    public static BuildReport of(String source, String sourceDigest, ImageAssembler.Assembly assembly, Wiring wiring) {
        List<Image> images = assembly.images().stream().map(i -> new Image(i.program(), i.taggedReference().toString(),
                i.pushed().manifestDigest().toString(), i.base(), i.baseDigest().toString(), i.user(), i.userReason(),
                i.files(), i.compressedSize(), i.uncompressedSize(), i.changes())).toList();
        return new BuildReport(SCHEMA_VERSION, source, sourceDigest, images, assembly.leftBehind(),
                assembly.sourceCompressedSize(), assembly.sourceUncompressedSize(), wiring);
    }
}
