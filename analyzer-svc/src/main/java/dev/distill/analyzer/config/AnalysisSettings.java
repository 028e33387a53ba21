package dev.distill.analyzer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code distill.analysis.*}: limits of the layer reader and of the analysis. */
@ConfigMapping(prefix = "distill.analysis")
public interface AnalysisSettings {

    /** A layer set that decompresses to more than this fails (decompression bombs). */
    @WithDefault("8589934592")
    long maxUncompressedBytes();

    /** An image with more entries than this fails. */
    @WithDefault("1000000")
    int maxEntries();

    /** How many bytes of configuration files and scripts the analysis keeps in memory. */
    @WithDefault("67108864")
    long configCacheBytes();

}
