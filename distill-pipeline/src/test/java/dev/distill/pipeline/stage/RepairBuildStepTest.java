package dev.distill.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.assembly.RepairedFile;
import dev.distill.engine.assembly.ResultContents;
import dev.distill.engine.fs.FileType;
import dev.distill.events.RepairRequested;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A repair round builds with every round's files: what the build report of the round before lists, and its own. */
class RepairBuildStepTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRoundCarriesWhatEveryEarlierRoundAskedForAndItsOwnEachOnce() throws Exception {
        // Round 1 carried the lexer (a link and its file); round 2 asks for another file and the lexer again.
        BuildReport.Image node = new BuildReport.Image("node", "PROGRAM", "r/app:1-distroless", "sha256:" + "b".repeat(64),
                "cc", "sha256:" + "c".repeat(64), "1000:1000", "the image's user", 40, 1, 2, List.of(), List.of(), ResultContents.NONE, List.of(
                        new RepairedFile("/usr/share/nodejs/cjs-module-lexer", FileType.SYMLINK, 0, 1,
                                "/usr/share/nodejs/cjs-module-lexer/lexer.js", "the source's node read it"),
                        new RepairedFile("/usr/share/nodejs/cjs-module-lexer-1.2/lexer.js", FileType.REGULAR, 5120, 1,
                                "/usr/share/nodejs/cjs-module-lexer/lexer.js", "the source's node read it")));
        BuildReport.Image other = new BuildReport.Image("nginx", "r/app:1-distroless-nginx", "sha256:" + "d".repeat(64),
                "base", "sha256:" + "c".repeat(64), "33:33", "the image's user", 3, 1, 2, List.of());
        byte[] previous = JSON.writeValueAsBytes(new BuildReport(1, "r/app:1", "sha256:" + "a".repeat(64), "analysis",
                List.of(node, other), null, 1, 2, null));
        RepairRequested round2 = new RepairRequested("m", Instant.EPOCH, 2, "build-1", List.of(
                new RepairRequested.MissingFile("node", "/usr/share/nodejs/acorn/dist/acorn.js", "the source's node read it"),
                new RepairRequested.MissingFile("node", "/usr/share/nodejs/cjs-module-lexer/lexer.js", "again")),
                "verification-1");

        List<ImageAssembler.Repair> repairs = RepairBuildStep.repairsSoFar(JSON.readTree(previous), round2);

        assertThat(repairs).containsExactly(
                new ImageAssembler.Repair("node", "/usr/share/nodejs/cjs-module-lexer/lexer.js", 1, "the source's node read it"),
                new ImageAssembler.Repair("node", "/usr/share/nodejs/acorn/dist/acorn.js", 2, "the source's node read it"));
        // the report as JSON says what repair added, with bytes
        assertThat(JSON.readTree(previous).at("/images/0/repaired/1/bytes").asLong()).isEqualTo(5120);
        assertThat(JSON.readValue(previous, BuildReport.class).images().get(0).repairedBytes()).isEqualTo(5120);
        assertThat(JSON.readValue(previous, BuildReport.class).images().get(1).repaired()).isEmpty();
    }
}
