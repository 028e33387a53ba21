/**
 * Probes that check a running container from the host without leaving its network namespace: the process stays up,
 * a TCP port accepts, an HTTP GET answers with the expected status. Each probe retries until its deadline and
 * returns a {@link dev.distill.engine.runtime.probe.ProbeResult} with the evidence; a failed probe is a result, never
 * an exception.
 */
package dev.distill.engine.runtime.probe;
