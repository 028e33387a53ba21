package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.Platform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The source's answers are kept by digest and probe set, passed runs only, least recently used out first. */
class SourceAnswersTest {

    private static final MigrationVerifier.Options OPTIONS = MigrationVerifier.Options.defaults(Path.of("/tmp/v"));

    @Test
    void aPassedRunIsKeptByDigestOptionsAndProbes() {
        SourceAnswers answers = new SourceAnswers(4);
        SandboxRun.Outcome passed = outcome(true);
        answers.offer(key("a", OPTIONS, List.of(80)), passed);

        assertThat(answers.get(key("a", OPTIONS, List.of(80)))).containsSame(passed);
        assertThat(answers.get(key("b", OPTIONS, List.of(80)))).isEmpty();
        assertThat(answers.get(key("a", OPTIONS, List.of(8080)))).isEmpty();
        assertThat(answers.get(key("a", OPTIONS.withHttp("/health", 0), List.of(80)))).isEmpty();
    }

    @Test
    void aRunThatFailedAProbeOrDidNotRunIsNotKept() {
        SourceAnswers answers = new SourceAnswers(4);
        answers.offer(key("a", OPTIONS, List.of(80)), outcome(false));
        answers.offer(key("b", OPTIONS, List.of(80)), SandboxRun.Outcome.notRun("no runc"));
        assertThat(answers.size()).isZero();
    }

    @Test
    void theLeastRecentlyUsedGoesFirst() {
        SourceAnswers answers = new SourceAnswers(2);
        answers.offer(key("a", OPTIONS, List.of(80)), outcome(true));
        answers.offer(key("b", OPTIONS, List.of(80)), outcome(true));
        answers.get(key("a", OPTIONS, List.of(80)));
        answers.offer(key("c", OPTIONS, List.of(80)), outcome(true));

        assertThat(answers.get(key("a", OPTIONS, List.of(80)))).isPresent();
        assertThat(answers.get(key("b", OPTIONS, List.of(80)))).isEmpty();
        assertThat(answers.get(key("c", OPTIONS, List.of(80)))).isPresent();
    }

    private static SourceAnswers.Key key(String content, MigrationVerifier.Options options, List<Integer> ports) {
        return new SourceAnswers.Key(Digest.sha256(content.getBytes(StandardCharsets.UTF_8)), Platform.LINUX_AMD64, options, ports,
                List.of());
    }

    private static SandboxRun.Outcome outcome(boolean passed) {
        Verification.Probe probe = new Verification.Probe("tcp", 80, "connects", passed, "", 1, 0, 0, null, "");
        return new SandboxRun.Outcome(new Verification.Run(true, null, List.of(probe), "", Map.of(), false,
                Verification.Timings.NONE), Map.of(), Map.of(), Map.of());
    }
}
