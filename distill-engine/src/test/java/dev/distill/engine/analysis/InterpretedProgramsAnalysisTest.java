package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.Classification;
import dev.distill.engine.plan.Probe;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.WritablePlace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Programs run by an interpreter, analysed from the fixtures' layers as the analyzer does: a Flask app on Debian's
 * gunicorn (a {@code #!/usr/bin/python3} script), a Node HTTP server, and PHP CLI workers under supervisord. Each is
 * planned in exec form on its interpreter, with the interpreter's closure, the part of its library tree the program
 * can load, its application and the configuration it reads.
 */
class InterpretedProgramsAnalysisTest {

    private static AnalysisReport analyse(String fixture) throws Exception {
        Fixtures.Built built = Fixtures.build(fixture);
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        LayeredFileSystem fs = LayeredFileSystem.build(image.layers(), image.blobs());
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(fs, image.config(),
                new AnalysisReport.Subject("fixtures/" + fixture, image.manifestDigest().toString(), "linux/amd64"));
        Path out = Path.of("target/" + fixture + "-analysis.json");
        Files.createDirectories(out.getParent());
        new ObjectMapper().findAndRegisterModules().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
        return report;
    }

    private static ProgramPlan program(AnalysisReport report, String name) {
        return report.plan().programs().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> paths(ProgramPlan p) {
        return p.files().stream().map(CarriedFile::path).toList();
    }

    private static String reason(ProgramPlan p, String path) {
        return p.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow().reason();
    }

    @Test
    void gunicornsScriptRunsInExecFormOnPythonWithTheModulesFlaskCanImport() throws Exception {
        AnalysisReport report = analyse("python-flask");
        assertThat(report.classification()).as("%s", report.plan()).isEqualTo(Classification.MIGRATABLE);
        ProgramPlan p = program(report, "gunicorn");
        assertThat(p.command()).containsExactly("/usr/bin/python3", "/usr/bin/gunicorn", "--bind", "0.0.0.0:8000",
                "--workers", "2", "app:app");
        assertThat(p.kind()).isEqualTo("gunicorn+python");
        assertThat(p.runAs().name()).isEqualTo("www-data");
        assertThat(p.runAs().spec()).isEqualTo("33:33");
        assertThat(p.exposedPorts()).containsExactly("8000/tcp");
        assertThat(p.probes()).contains(new Probe(Probe.Kind.HTTP, 8000, "/"));

        List<String> files = paths(p);
        // The interpreter and its loader closure, the script, the standard library's landmark, the application.
        assertThat(files).contains("/usr/bin/python3", "/usr/bin/python3.11", "/lib/x86_64-linux-gnu/libc.so.6",
                "/usr/bin/gunicorn", "/usr/lib/python3.11/os.py", "/usr/lib/python3.11/encodings/__init__.py",
                "/srv/app/app.py", "/srv/app/greetings.py", "/srv/app/templates/index.html");
        // What the program imports, from the distribution's packages: flask and its dependencies, gunicorn (reached
        // only through its entry point), their metadata, and a native module with its closure.
        assertThat(files).contains("/usr/lib/python3/dist-packages/flask/__init__.py",
                "/usr/lib/python3/dist-packages/werkzeug/__init__.py", "/usr/lib/python3/dist-packages/jinja2/__init__.py",
                "/usr/lib/python3/dist-packages/gunicorn/app/wsgiapp.py",
                "/usr/lib/python3/dist-packages/gunicorn/workers/sync.py",
                "/usr/lib/python3/dist-packages/gunicorn-20.1.0.egg-info/entry_points.txt",
                "/usr/lib/python3/dist-packages/markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so",
                "/usr/lib/python3.11/lib-dynload/_hashlib.cpython-311-x86_64-linux-gnu.so");
        assertThat(files).anySatisfy(f -> assertThat(f).startsWith("/usr/lib/x86_64-linux-gnu/libcrypto.so"));
        assertThat(reason(p, "/usr/lib/python3/dist-packages/gunicorn/app/wsgiapp.py")).contains("entry_points.txt");
        // Narrowed: standard library modules nothing imports stay behind, and the analysis says what it left out.
        assertThat(files).doesNotContain("/usr/lib/python3.11/turtle.py", "/usr/lib/python3.11/pydoc_data/topics.py",
                "/usr/lib/python3.11/idlelib/idle.py", "/bin/sh", "/bin/bash", "/usr/bin/apt", "/usr/bin/dpkg");
        assertThat(report.findings()).filteredOn(f -> f.kind() == Finding.Kind.INFO && f.path().equals("/usr/lib/python3.11"))
                .anySatisfy(f -> assertThat(f.reason()).contains("kept").contains("of 200 top-level modules").contains("aifc"))
                .anySatisfy(f -> assertThat(f.reason()).contains("development tools").contains("pydoc (by"));
    }

    @Test
    void aNodeServerCarriesWhatItRequiresAndLeavesTheRestOfNodeModules() throws Exception {
        AnalysisReport report = analyse("node-http");
        assertThat(report.classification()).as("%s", report.plan()).isEqualTo(Classification.MIGRATABLE);
        ProgramPlan p = program(report, "node");
        assertThat(p.command()).containsExactly("/usr/bin/node", "server.js");
        assertThat(p.kind()).isEqualTo("node");
        assertThat(p.runAs().spec()).isEqualTo("1000:1000");
        List<String> files = paths(p);
        assertThat(files).contains("/usr/bin/node", "/usr/lib/x86_64-linux-gnu/libnode.so.108", "/srv/app/server.js",
                "/srv/app/lib/describe.js", "/srv/app/package.json", "/srv/app/node_modules/greeting/package.json",
                "/srv/app/node_modules/greeting/src/greeting.js",
                // Debian's node loads these from /usr/share/nodejs, named in its libnode
                "/usr/share/nodejs/cjs-module-lexer/lexer.js", "/usr/share/nodejs/undici/undici-fetch.js");
        assertThat(files).doesNotContain("/srv/app/node_modules/left-pad/index.js", "/bin/sh", "/usr/bin/apt");
        assertThat(report.findings()).filteredOn(f -> f.path().equals("/srv/app/node_modules")).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("kept 1 of 2").contains("left-pad"));
    }

    @Test
    void phpCliWorkersUnderSupervisordBecomeOneImageEachSharingTheStorageTheImageGivesThem() throws Exception {
        AnalysisReport report = analyse("php-worker");
        assertThat(report.classification()).as("%s", report.plan()).isEqualTo(Classification.MIGRATABLE);
        assertThat(report.plan().programs()).extracting(ProgramPlan::name).containsExactly("queue-worker", "scheduler");
        ProgramPlan worker = program(report, "queue-worker");
        assertThat(worker.command()).containsExactly("/usr/bin/php", "/srv/app/artisan", "queue:work", "--sleep=1");
        assertThat(program(report, "scheduler").command()).containsExactly("/usr/bin/php", "artisan", "schedule:work");
        assertThat(worker.kind()).isEqualTo("php-cli");
        assertThat(worker.runAs().spec()).isEqualTo("33:33");
        assertThat(worker.probes()).containsExactly(Probe.runs());
        assertThat(worker.stopSignal()).isEqualTo("SIGTERM");
        List<String> files = paths(worker);
        assertThat(files).contains("/usr/bin/php", "/usr/bin/php8.2", "/etc/php/8.2/cli/php.ini",
                "/etc/php/8.2/cli/conf.d/20-ctype.ini", "/usr/lib/php/20220829/ctype.so", "/srv/app/artisan",
                "/srv/app/jobs/job-1.json");
        assertThat(files).doesNotContain("/usr/bin/python3", "/usr/bin/supervisord", "/bin/sh", "/usr/bin/apt");
        for (ProgramPlan p : report.plan().programs()) {
            assertThat(p.writablePlaces()).filteredOn(w -> w.path().startsWith("/srv/app/storage"))
                    .extracting(WritablePlace::path)
                    .containsExactly("/srv/app/storage", "/srv/app/storage/done", "/srv/app/storage/schedule");
            assertThat(p.writablePlaces()).filteredOn(w -> w.path().startsWith("/srv/app/storage"))
                    .allSatisfy(w -> {
                        assertThat(w.uid()).isEqualTo(33);
                        assertThat(w.sharedWith()).hasSize(1);
                    });
        }
    }
}
