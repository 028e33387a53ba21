package dev.distill.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** {@code distill.reports.*}: where the stages keep their reports, and how large a report may be read back. */
@ConfigMapping(prefix = "distill.reports")
public interface ReportSettings {

    /**
     * Repository that keeps reports as untagged OCI artifacts, e.g. {@code 127.0.0.1:5000/distill/reports};
     * by default {@code distill/reports} in the source image's registry.
     */
    Optional<String> repository();

    /** The largest report a service reads back (the builder reading the analysis, the API serving one). */
    @WithDefault("67108864")
    int maxBytes();
}
