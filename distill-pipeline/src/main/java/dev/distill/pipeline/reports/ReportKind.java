package dev.distill.pipeline.reports;

/** The documents stages store, each with its artifact type and media type in the registry. */
public enum ReportKind {
    ANALYSIS("application/vnd.distill.analysis.report.v1", "application/vnd.distill.analysis.v1+json"),
    BUILD("application/vnd.distill.build.report.v1", "application/vnd.distill.build.v1+json"),
    VERIFICATION("application/vnd.distill.verification.report.v1", "application/vnd.distill.verification.v1+json");

    private final String artifactType;
    private final String mediaType;

    ReportKind(String artifactType, String mediaType) {
        this.artifactType = artifactType;
        this.mediaType = mediaType;
    }

    public String artifactType() {
        return artifactType;
    }

    public String mediaType() {
        return mediaType;
    }
}
