package dev.distill.engine.detect.catalog;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.accounts.AccountsDetector;
import dev.distill.engine.detect.nginx.NginxDetector;
import dev.distill.engine.detect.php.PhpDetector;
import dev.distill.engine.detect.runtime.RuntimeDetector;
import dev.distill.engine.detect.shell.ShellDetector;
import dev.distill.engine.detect.supervisord.SupervisordDetector;
import dev.distill.engine.detect.surface.SurfaceDetector;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs detectors over one image. */
public final class Catalog {

    private final List<Detector<?>> detectors;

    public Catalog(List<Detector<?>> detectors) {
        this.detectors = List.copyOf(detectors);
    }

    /** Every detector: shell, supervisord, php, nginx, runtime, accounts, surface. */
    public static Catalog standard() {
        return new Catalog(List.of(new ShellDetector(standardStepRules()), new SupervisordDetector(), new PhpDetector(), new NginxDetector(),
                new RuntimeDetector(), new AccountsDetector(), new SurfaceDetector()));
    }

    /** What the shell detector knows of the steps a script runs before its program: its own and the frameworks'. */
    public static List<dev.distill.engine.detect.shell.StepRule> standardStepRules() {
        List<dev.distill.engine.detect.shell.StepRule> rules =
                new ArrayList<>(dev.distill.engine.detect.shell.StepClassifier.shellRules());
        rules.add(new dev.distill.engine.detect.laravel.ArtisanRule());
        return rules;
    }

    public List<Detector<?>> detectors() {
        return detectors;
    }

    public Report run(ImageFileSystem fs, ImageConfig config) {
        DetectionContext ctx = new DetectionContext(fs, config);
        List<Detection<?>> out = new ArrayList<>();
        for (Detector<?> d : detectors) {
            try {
                out.add(ctx.run(d));
            } catch (RuntimeException e) {
                out.add(Detection.failed(d.name(), e));
            }
        }
        return new Report(out);
    }

    /** Every detection of one run, in catalog order. */
    public record Report(List<Detection<?>> detections) {

        public Report {
            detections = List.copyOf(detections);
        }

        /** All findings, detector by detector. */
        public List<Finding> findings() {
            return detections.stream().flatMap(d -> d.findings().stream()).toList();
        }

        public List<Finding> findings(Finding.Kind kind) {
            return findings().stream().filter(f -> f.kind() == kind).toList();
        }

        /** The typed result of a detector by its result type, when it ran and did not fail. */
        public <R> Optional<R> result(Class<R> type) {
            return detections.stream().map(Detection::result).filter(type::isInstance).map(type::cast).findFirst();
        }
    }
}
