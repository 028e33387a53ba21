package dev.distill.engine.detect.catalog;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.accounts.AccountsDetector;
import dev.distill.engine.detect.gunicorn.GunicornProgram;
import dev.distill.engine.detect.nginx.NginxDetector;
import dev.distill.engine.detect.nginx.NginxProgram;
import dev.distill.engine.detect.node.NodeProgram;
import dev.distill.engine.detect.php.PhpCliProgram;
import dev.distill.engine.detect.php.PhpDetector;
import dev.distill.engine.detect.php.PhpFpmProgram;
import dev.distill.engine.detect.programs.ProgramsDetector;
import dev.distill.engine.detect.python.PythonProgram;
import dev.distill.engine.detect.redis.RedisProgram;
import dev.distill.engine.detect.runtime.RuntimeDetector;
import dev.distill.engine.detect.shell.ShellDetector;
import dev.distill.engine.detect.supervisord.SupervisordDetector;
import dev.distill.engine.detect.supervisord.SupervisordProgram;
import dev.distill.engine.detect.surface.SurfaceDetector;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs detectors over one image, with the program kinds they ask about each program. */
public final class Catalog {

    private final List<Detector<?>> detectors;
    private final List<ProgramKind> kinds;

    public Catalog(List<Detector<?>> detectors) {
        this(detectors, List.of());
    }

    /** @param kinds the program kinds, most specific first: a program's profile joins what every kind that knows it says */
    public Catalog(List<Detector<?>> detectors, List<ProgramKind> kinds) {
        this.detectors = List.copyOf(detectors);
        this.kinds = List.copyOf(kinds);
    }

    /** Every detector: shell, supervisord, php, nginx, programs, runtime, accounts, surface; every program kind. */
    public static Catalog standard() {
        return new Catalog(List.of(new ShellDetector(standardStepRules()), new SupervisordDetector(), new PhpDetector(), new NginxDetector(),
                new ProgramsDetector(), new RuntimeDetector(), new AccountsDetector(), new SurfaceDetector()), standardKinds());
    }

    /**
     * Every program kind Distill knows, most specific first: a process manager before the interpreter that runs it,
     * an application server before its language's interpreter. Adding a kind is one package and one line here.
     */
    public static List<ProgramKind> standardKinds() {
        return List.of(new SupervisordProgram(), new PhpFpmProgram(), new PhpCliProgram(), new NginxProgram(),
                new GunicornProgram(), new PythonProgram(), new NodeProgram(), new RedisProgram());
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

    public List<ProgramKind> kinds() {
        return kinds;
    }

    /** Whether a program kind reads this file (so an analysis keeps it in memory from its one pass). */
    public boolean reads(String path) {
        return kinds.stream().anyMatch(k -> k.reads(path));
    }

    public Report run(ImageFileSystem fs, ImageConfig config) {
        DetectionContext ctx = new DetectionContext(fs, config, kinds);
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
