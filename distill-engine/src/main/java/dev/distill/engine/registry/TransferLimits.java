package dev.distill.engine.registry;

import java.time.Duration;

/**
 * The bounds of every exchange with a registry, so that no registry (slow, broken or hostile) can hold a caller for
 * longer than a person would wait:
 *
 * @param connectTimeout to open the connection (TCP and TLS)
 * @param responseTimeout from sending a request to the start of the answer; an upload gets in addition the time its
 *     body takes at {@code minBytesPerSecond}
 * @param idleTimeout the longest pause while an answer's body is read
 * @param minBytesPerSecond the slowest body worth waiting for: a body that brings fewer bytes than this rate over
 *     one {@code rateWindow} is abandoned (a body shorter than one window is never judged by rate)
 * @param rateWindow how long the rate is measured over; long enough to ride out a pause of the network
 */
public record TransferLimits(Duration connectTimeout, Duration responseTimeout, Duration idleTimeout,
        long minBytesPerSecond, Duration rateWindow) {

    /** 5 s to connect, 30 s to answer, 30 s of silence, at least 16 KiB/s over each minute. */
    public static final TransferLimits DEFAULTS = new TransferLimits(Duration.ofSeconds(5), Duration.ofSeconds(30),
            Duration.ofSeconds(30), 16 * 1024, Duration.ofSeconds(60));

    public TransferLimits {
        positive(connectTimeout, "connect timeout");
        positive(responseTimeout, "response timeout");
        positive(idleTimeout, "idle timeout");
        positive(rateWindow, "rate window");
        if (minBytesPerSecond < 1) {
            throw new IllegalArgumentException("the minimum throughput must be at least 1 byte/s, got " + minBytesPerSecond);
        }
    }

    public TransferLimits withConnectTimeout(Duration timeout) {
        return new TransferLimits(timeout, responseTimeout, idleTimeout, minBytesPerSecond, rateWindow);
    }

    public TransferLimits withResponseTimeout(Duration timeout) {
        return new TransferLimits(connectTimeout, timeout, idleTimeout, minBytesPerSecond, rateWindow);
    }

    public TransferLimits withIdleTimeout(Duration timeout) {
        return new TransferLimits(connectTimeout, responseTimeout, timeout, minBytesPerSecond, rateWindow);
    }

    public TransferLimits withMinThroughput(long bytesPerSecond, Duration window) {
        return new TransferLimits(connectTimeout, responseTimeout, idleTimeout, bytesPerSecond, window);
    }

    /** How long an upload of {@code size} bytes may take before its answer: the response timeout plus the body at the minimum rate. */
    Duration uploadTimeout(long size) {
        return responseTimeout.plusSeconds(Math.max(0, size) / minBytesPerSecond);
    }

    private static void positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
    }
}
