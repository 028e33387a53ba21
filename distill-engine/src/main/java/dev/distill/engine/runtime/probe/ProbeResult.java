package dev.distill.engine.runtime.probe;

import java.time.Duration;

/**
 * The outcome of one probe with its evidence.
 *
 * @param probe what was checked, e.g. {@code GET http://127.0.0.1:8080/ -> 200}
 * @param evidence what was seen last: the answer, the connection error, or why the probe gave up
 * @param attempts how many times it tried
 * @param elapsed from the first attempt to the outcome
 * @param answer the last HTTP answer, or null (not an HTTP probe, or nothing answered)
 * @param logExcerpt the container's last output lines when the probe failed, else empty
 */
public record ProbeResult(String probe, boolean passed, String evidence, int attempts, Duration elapsed, HttpAnswer answer,
        String logExcerpt) {

    public ProbeResult {
        if (probe == null || evidence == null || elapsed == null || logExcerpt == null) {
            throw new IllegalArgumentException("a probe result needs a probe, evidence, a duration and a log excerpt, got "
                    + probe + ", " + evidence + ", " + elapsed + ", " + logExcerpt);
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative, got " + attempts);
        }
    }
}
