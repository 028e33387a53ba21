package dev.distill.analyzer.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Platform;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import dev.distill.engine.testing.TricklingRegistryFront;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.pipeline.stage.AnalyzeImageStep;
import dev.distill.pipeline.stage.StageRunner;
import dev.distill.pipeline.testing.InMemoryPipeline;
import dev.distill.pipeline.testing.MemoryReportStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The analysis stage's time budget against a real registry that trickles a layer: when the budget is spent the
 * migration ends FAILED saying which layer it was reading, how many bytes it had and how fast they came, and the
 * transfer is abandoned for real (its connection closed).
 */
class AnalysisBudgetTest {

    @Test
    void anAnalysisOverItsBudgetEndsFailedNamingTheLayerItsBytesAndRate() throws Exception {
        try (LocalRegistry registry = LocalRegistry.start();
                TricklingRegistryFront front = TricklingRegistryFront.start(registry.host())) {
            byte[] noise = new byte[64 * 1024];
            new Random(3).nextBytes(noise);
            TinyImage image = TinyImage.builder().platform(Platform.LINUX_AMD64).file("/noise", noise, 0644).build();
            image.push(registry.client(), registry.reference("budget/app:1"));
            Descriptor layer = image.layerDescriptor();
            front.trickle(layer.digest(), 20);

            RegistryClient client = RegistryClient.builder().build();  // default limits: 20 B/s is only ended by the budget
            AnalyzeImageStep step = new AnalyzeImageStep(client::resolve, i -> BlobSource.registry(client, i.pinnedReference()),
                    LayerLimits.defaults(), new ImageAnalyzer(ImageAnalyzer.Options.defaults()), new MemoryReportStore(),
                    Clock.systemUTC());
            InMemoryPipeline pipeline = new InMemoryPipeline();
            MigrationRequested request = new MigrationRequested("m-budget", Instant.now(), front.host() + "/budget/app:1",
                    front.host(), "budget/app", "1", null, MigrationOptions.DEFAULT, "api");
            pipeline.publish(request);
            try (StageRunner runner = new StageRunner(Stage.ANALYZE, pipeline, pipeline, Clock.systemUTC(),
                    StageRunner.Settings.of("analyzer-test", Duration.ofSeconds(5)).withBudget(Duration.ofSeconds(3)),
                    other -> false)) {
                long start = System.nanoTime();
                assertThat(runner.submit(request, step).get(30, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.ENDED_UNSUCCESSFULLY);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            }
            StageFailed failed = pipeline.published().stream().filter(e -> e instanceof StageFailed)
                    .map(StageFailed.class::cast).findFirst().orElseThrow();
            assertThat(failed.reason())
                    .startsWith("the analyze stage did not finish within its time budget of 3s and was abandoned while reading the layers of "
                            + front.host() + "/budget/app:1@sha256:")
                    .contains("GET http://" + front.host() + "/v2/budget/app/blobs/" + layer.digest())
                    .containsPattern("[1-9]\\d* B of 64\\.\\d KiB in \\d(\\.\\d)?s \\(\\d+ B/s\\)");
            await().atMost(Duration.ofSeconds(10)).until(() -> front.tricklesAbandoned() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.openTransfers() == 0);
        }
    }
}
