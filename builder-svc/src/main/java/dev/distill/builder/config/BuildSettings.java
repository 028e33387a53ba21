package dev.distill.builder.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** {@code distill.build.*}: where the bases are, how results are tagged, and the limits of reading a source. */
@ConfigMapping(prefix = "distill.build")
public interface BuildSettings {

    /**
     * The distroless bases, with {@code {flavour}} (static, base, cc), {@code {variant}} (latest, nonroot) and
     * optionally {@code {registry}} (the source's registry): Distill's own bases by default, or upstream
     * {@code gcr.io/distroless/{flavour}-debian12:{variant}} or a mirror.
     */
    @WithDefault("{registry}/distill/{flavour}:{variant}")
    String baseImages();

    /** Tag of a single-program result, with {@code {tag}} the source's tag. */
    @WithName("tag.single")
    @WithDefault("{tag}-distroless")
    String singleProgramTag();

    /** Tag of each program's image of a multi-program source, with {@code {tag}} and {@code {program}}. */
    @WithName("tag.per-program")
    @WithDefault("{tag}-distroless-{program}")
    String perProgramTag();

    /**
     * Where carried files are spooled while a layer is written; emptied after each build. Each instance works in a
     * directory of its own below it, and removes what crashed instances left there when it starts.
     */
    @WithDefault("${distill.work-dir:${java.io.tmpdir}/distill-build}")
    String workDir();

    /**
     * Where source layers' indexes and carried files, and built program layers, are kept between builds, by layer
     * digest and by a hash of a layer's inputs (a volume keeps them over restarts; several instances may share it).
     * Under the work directory by default, beside the instances' own directories.
     */
    @WithName("cache.dir")
    @WithDefault("${distill.work-dir:${java.io.tmpdir}/distill-build}/cache")
    String cacheDir();

    /** The most the cache may take on disk; the least recently used entries go first. 0 turns the cache off. */
    @WithName("cache.max-bytes")
    @WithDefault("4294967296")
    long cacheMaxBytes();

    /** A source whose layers decompress to more than this fails (decompression bombs). */
    @WithDefault("8589934592")
    long maxUncompressedBytes();

    @WithDefault("1000000")
    int maxEntries();

    /**
     * How long the entrypoint's build-time steps of one build may run, together, in their sandbox of the source (an
     * ISO-8601 duration or {@code 5m}); a step still running then fails the build.
     */
    @WithName("bake.time-limit")
    @WithDefault("5m")
    java.time.Duration bakeTimeLimit();

    /** How many bytes of files the build-time steps of one build may make, together. */
    @WithName("bake.max-bytes")
    @WithDefault("1073741824")
    long bakeMaxBytes();

    /** Recorded in every result's labels and annotations. */
    @WithDefault("${quarkus.application.version:0.1.0}")
    String distillVersion();
}
