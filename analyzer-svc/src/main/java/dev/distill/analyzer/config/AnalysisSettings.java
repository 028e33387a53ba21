package dev.distill.analyzer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

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

    /**
     * Where each layer's own analysis facts are kept between analyses, by layer digest (a volume keeps them over
     * restarts; several instances may share it). Under the work directory by default.
     */
    @WithName("cache.dir")
    @WithDefault("${distill.work-dir:${java.io.tmpdir}/distill-analysis}/cache")
    String cacheDir();

    /** The most the kept facts may take on disk; the least recently used go first. 0 turns the cache off. */
    @WithName("cache.max-bytes")
    @WithDefault("2147483648")
    long cacheMaxBytes();

}
