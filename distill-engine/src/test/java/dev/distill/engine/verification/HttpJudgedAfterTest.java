package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.runtime.probe.HttpCheck;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A result run beside its source's probes HTTP on every port before the source's answers are known: judged afterwards
 * it must come out as the run after the source's would have, or be run again (no container runs here).
 */
class HttpJudgedAfterTest {

    private static final MigrationVerifier.Options OPTIONS = MigrationVerifier.Options.defaults(Path.of("/tmp/unused"));
    private static final List<Integer> PORTS = List.of(80, 9000);

    @Test
    void onlyPortsWhereTheSourceSpeaksHttpAreCheckedAndWithTheSourcesStatus() {
        // Port 80 answers 404 in the source, the FastCGI port 9000 no HTTP at all (status 0).
        SandboxRun.Outcome source = outcome(tcp(80, true), tcp(9000, true), http(80, true, 404, "not here"),
                http(9000, false, 0, null));
        assertThat(MigrationVerifier.resultHttpChecks(OPTIONS, PORTS, source))
                .containsExactly(new HttpCheck(80, "/", 404));
        assertThat(MigrationVerifier.resultHttpChecks(OPTIONS.withHttp("/health", 200), PORTS, source))
                .containsExactly(new HttpCheck(80, "/health", 200));
        // No source run: every port, the configured status or 200.
        assertThat(MigrationVerifier.resultHttpChecks(OPTIONS, PORTS, null))
                .containsExactly(new HttpCheck(80, "/", 200), new HttpCheck(9000, "/", 200));
    }

    @Test
    void aResultAnsweringTheSourcesStatusPassesAsIfItHadBeenAskedForItAndTheFastCgiPortIsJudgedByTcpOnly() {
        SandboxRun.Outcome source = outcome(tcp(80, true), tcp(9000, true), http(80, true, 200, "hi"),
                http(9000, false, 0, null));
        // Beside the source, the FastCGI port's GET got no HTTP answer: that probe is left out, not a failure.
        SandboxRun.Outcome beside = outcome(tcp(80, true), tcp(9000, true), http(80, true, 200, "hi"),
                http(9000, false, 0, null), staysUp());

        SandboxRun.Outcome judged = MigrationVerifier.judgeHttpAfter(beside,
                MigrationVerifier.resultHttpChecks(OPTIONS, PORTS, source)).orElseThrow();

        assertThat(judged.run().probes()).extracting(Verification.Probe::kind, Verification.Probe::port)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("tcp", 80), org.assertj.core.groups.Tuple.tuple("tcp", 9000),
                        org.assertj.core.groups.Tuple.tuple("http", 80), org.assertj.core.groups.Tuple.tuple("stays-up", 0));
        Verification.Probe http = judged.run().probes().get(2);
        assertThat(http.passed()).isTrue();
        assertThat(http.description()).isEqualTo("GET http://127.0.0.1:80/ -> 200");
        assertThat(judged.run().passed()).isTrue();
        assertThat(judged.firstBodies()).containsOnlyKeys(80);
        assertThat(judged.secondBodies()).containsOnlyKeys(80);
        // Compared with the source exactly as a run after it: same status and body on 80, tcp on 9000.
        assertThat(MigrationVerifier.compare(source, judged)).allMatch(Verification.Comparison::matches)
                .extracting(Verification.Comparison::kind).containsExactly("tcp", "tcp", "http");
    }

    @Test
    void aDifferentStatusOrNoAnswerWhereTheSourceSpeaksHttpRunsTheResultAgain() {
        SandboxRun.Outcome source404 = outcome(tcp(80, true), http(80, true, 404, "nope"), http(9000, false, 0, null));
        SandboxRun.Outcome answered200 = outcome(tcp(80, true), http(80, true, 200, "hi"), http(9000, false, 0, null), staysUp());
        // The source answers 404, the result 200: the probe asking for 404 would have gone on; judged again by a run.
        assertThat(MigrationVerifier.judgeHttpAfter(answered200, MigrationVerifier.resultHttpChecks(OPTIONS, PORTS, source404)))
                .isEmpty();
        // The same answer passes where 404 is the source's status.
        SandboxRun.Outcome answered404 = outcome(tcp(80, true), http(80, true, 404, "nope"), staysUp());
        assertThat(MigrationVerifier.judgeHttpAfter(answered404, MigrationVerifier.resultHttpChecks(OPTIONS, PORTS, source404)))
                .isPresent();
        // No answer at all on the HTTP port.
        SandboxRun.Outcome silent = outcome(tcp(80, true), http(80, false, 0, null), staysUp());
        assertThat(MigrationVerifier.judgeHttpAfter(silent, MigrationVerifier.resultHttpChecks(OPTIONS, PORTS, source404)))
                .isEmpty();
        // A run that ended before its HTTP probes were sent.
        assertThat(MigrationVerifier.judgeHttpAfter(outcome(), MigrationVerifier.resultHttpChecks(OPTIONS, PORTS, source404)))
                .isEmpty();
    }

    @Test
    void theConfiguredStatusRulesOverTheSourcesAndAnyOtherFailureRunsAgain() {
        MigrationVerifier.Options health = OPTIONS.withHttp("/", 204);
        SandboxRun.Outcome source = outcome(tcp(80, true), http(80, false, 200, "hi"));
        List<HttpCheck> checks = MigrationVerifier.resultHttpChecks(health, PORTS, source);
        assertThat(checks).containsExactly(new HttpCheck(80, "/", 204));
        assertThat(MigrationVerifier.judgeHttpAfter(outcome(tcp(80, true), http(80, true, 200, "hi"), staysUp()), checks))
                .isEmpty();
        Optional<SandboxRun.Outcome> judged = MigrationVerifier.judgeHttpAfter(
                outcome(tcp(80, true), http(80, true, 204, ""), staysUp()), checks);
        assertThat(judged).isPresent();
        assertThat(judged.get().run().probes().get(1).description()).isEqualTo("GET http://127.0.0.1:80/ -> 204");
        // A stays-up that failed (the run beside lasted longer) is told by a run with the checks, not by this one.
        Verification.Probe died = new Verification.Probe("stays-up", 0, "stays up", false, "process ended", 1, 3000, 0, null, "");
        assertThat(MigrationVerifier.judgeHttpAfter(outcome(tcp(80, true), http(80, true, 204, ""), died), checks)).isEmpty();
    }

    @Test
    void aCheckWhoseStatusIsNotKnownYetEndsOnTheFirstAnswerThatIsNotAServerError() {
        HttpCheck later = new HttpCheck(80, "/", HttpCheck.NOT_KNOWN_YET);
        assertThat(later.ends(502)).isFalse();
        assertThat(later.ends(503)).isFalse();
        assertThat(later.ends(404)).isTrue();
        assertThat(later.ends(200)).isTrue();
        assertThat(new HttpCheck(80, "/", 200).ends(404)).isFalse();
        assertThat(MigrationVerifier.notKnownYet(PORTS, "/x")).containsExactly(new HttpCheck(80, "/x", 0), new HttpCheck(9000, "/x", 0));
    }

    private static Verification.Probe tcp(int port, boolean passed) {
        return new Verification.Probe("tcp", port, "connect " + port, passed, passed ? "accepted" : "refused", 1, 5, 0, null, "");
    }

    private static Verification.Probe http(int port, boolean passed, int status, String body) {
        return new Verification.Probe("http", port, "GET http://127.0.0.1:" + port + "/ -> judged later", passed,
                status == 0 ? "Empty reply from server" : "HTTP " + status + " after 3 ms", 1, 5, status, body, "");
    }

    private static Verification.Probe staysUp() {
        return new Verification.Probe("stays-up", 0, "stays up", true, "running", 1, 3000, 0, null, "");
    }

    private static SandboxRun.Outcome outcome(Verification.Probe... probes) {
        Map<Integer, String> bodies = new java.util.LinkedHashMap<>();
        List<Verification.Probe> list = new ArrayList<>(List.of(probes));
        for (Verification.Probe p : list) {
            if (p.kind().equals("http") && p.status() != 0) {
                bodies.put(p.port(), p.body());
            }
        }
        return new SandboxRun.Outcome(new Verification.Run(true, null, list, "", Map.of(), false, Verification.Timings.NONE),
                bodies, bodies, Map.of());
    }
}
