package dev.distill.verifier.config;

import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.image.Platform;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.progress.ProgressListener;
import dev.distill.engine.structure.StructureTestResult;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.verification.MigrationVerifier;
import dev.distill.engine.verification.Verification;
import dev.distill.events.MigrationVerified;
import dev.distill.events.RepairRequested;
import dev.distill.pipeline.stage.ImageVerifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's view of the engine's {@link MigrationVerifier}: adds the users' structure-test suites, and turns
 * the verification into the verdict, repair list and evidence the events carry.
 */
final class DistillImageVerifier implements ImageVerifier {

    private final MigrationVerifier verifier;
    private final StructureTestSource suites;

    DistillImageVerifier(MigrationVerifier verifier, StructureTestSource suites) {
        this.verifier = verifier;
        this.suites = suites;
    }

    @Override
    public Verdict verify(BuildReport build, MigrationPlan plan, Platform platform, int round) throws IOException {
        return verify(build, plan, platform, round, ProgressListener.NONE);
    }

    @Override
    public Verdict verify(BuildReport build, MigrationPlan plan, Platform platform, int round, ProgressListener progress)
            throws IOException {
        List<StructureTestSuite> userSuites = suites.suitesFor(build.source(), build.sourceDigest(), platform);
        Map<String, List<StructureTestSuite>> byProgram = new LinkedHashMap<>();
        for (ProgramPlan p : plan.programs()) {
            byProgram.put(p.name(), userSuites);
        }
        Verification v = verifier.verify(new MigrationVerifier.Request(build, plan, platform, byProgram, round), progress);
        // What the next round carries, with why (the builder gives it as each carried file's reason).
        List<RepairRequested.MissingFile> repairs = new ArrayList<>();
        for (Verification.Candidate c : v.candidates()) {
            if (v.repairCandidates().getOrDefault(c.program(), List.of()).contains(c.path())) {
                repairs.add(new RepairRequested.MissingFile(c.program(), c.path(), c.reason()));
            }
        }
        return new Verdict(Kind.valueOf(v.verdict().name()), v.reasons(), v,
                v.verdict() == Verification.Verdict.REPAIR ? repairs : List.of(), evidence(v), v.sourceSize(), v.resultSize());
    }

    private static MigrationVerified.Evidence evidence(Verification v) {
        List<MigrationVerified.Probe> probes = new ArrayList<>();
        if (v.result() != null) {
            for (Verification.Probe p : v.result().probes()) {
                String source = null;
                for (Verification.Comparison c : v.comparisons()) {
                    if (c.kind().equals(p.kind()) && c.port() == p.port()) {
                        source = (c.sourcePassed() ? "passed" : "failed") + (c.sourceStatus() > 0 ? " " + c.sourceStatus() : "")
                                + (c.matches() ? "; answers alike" : "; answers differently") + (c.note() == null ? "" : " (" + c.note() + ")");
                    }
                }
                probes.add(new MigrationVerified.Probe(p.description(), p.passed(),
                        p.status() > 0 ? String.valueOf(p.status()) : p.evidence(), source));
            }
        }
        int passed = 0;
        int failed = 0;
        int skipped = 0;
        List<String> checks = new ArrayList<>();
        for (Verification.ImageCheck image : v.images()) {
            if (image.structureTests() != null) {
                passed += (int) image.structureTests().count(StructureTestResult.Status.PASSED);
                failed += (int) image.structureTests().count(StructureTestResult.Status.FAILED);
                skipped += (int) image.structureTests().count(StructureTestResult.Status.SKIPPED);
            }
            if (image.staticChecks() != null) {
                image.staticChecks().checks().forEach(c -> checks.add(image.program() + " " + c.name() + ": "
                        + (c.passed() ? "passed" : "failed (" + c.findings().size() + " findings)")));
            }
        }
        String log = v.result() == null ? "" : v.result().logExcerpt();
        return new MigrationVerified.Evidence(probes, log, new MigrationVerified.StructureTests(passed, failed, skipped), checks);
    }
}
