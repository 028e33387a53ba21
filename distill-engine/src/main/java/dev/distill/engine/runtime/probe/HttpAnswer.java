package dev.distill.engine.runtime.probe;

import java.time.Duration;

/**
 * What an HTTP server answered to one GET.
 *
 * @param body the first bytes of the body as UTF-8 (at most the prober's body limit)
 * @param truncated whether the body was longer than what is kept
 * @param took from connecting to the last byte, as curl measured it
 */
public record HttpAnswer(int status, String body, boolean truncated, Duration took) {

    public HttpAnswer {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("HTTP status must be three digits, got " + status);
        }
        if (body == null || took == null) {
            throw new IllegalArgumentException("an HTTP answer needs a body and a duration, got " + body + ", " + took);
        }
    }
}
