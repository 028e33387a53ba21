package dev.distill.engine.detect.php;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.ProgramProfile.Writer;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.plan.Probe;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PHP command line interpreter running a script ({@code php artisan queue:work}, a worker, a scheduler): the CLI's
 * ini files and the extensions they make it dlopen ({@code PHPRC}, {@code -c}, the scan directory, {@code extension_dir}),
 * the script and the application it belongs to (the script's directory: composer's {@code vendor/} sits beside
 * {@code artisan}), and, with {@code -S}, the built-in web server's port. A script that listens on nothing is verified by
 * what it does.
 */
public final class PhpCliProgram implements ProgramKind {

    /** {@code php}, {@code php8.2}, {@code php82}: the CLI binaries of Debian, the official images and Alpine. */
    private static final Pattern CLI = Pattern.compile("php(\\d+(\\.\\d+)?)?");
    /** Options that take a value (php --help). */
    private static final Set<String> WITH_VALUE = Set.of("-c", "-d", "-z", "-t", "-S", "-r", "-B", "-R", "-F", "-E",
            "--php-ini", "--define", "--zend-extension", "--rf", "--rc", "--re", "--ri");
    private static final Pattern ADDRESS = Pattern.compile("(?:.*:)?(\\d{1,5})");

    @Override
    public String name() {
        return "php-cli";
    }

    @Override
    public Optional<ProgramProfile> profile(Launch launch, DetectionContext ctx) {
        if (!CLI.matcher(launch.executableName()).matches()) {
            return Optional.empty();
        }
        PhpResult php = ctx.run(new PhpDetector()).result();
        ProgramProfile.Builder profile = ProgramProfile.builder(name());
        PhpPrograms.installations(php.installationsFor("cli"), profile, Writer.PROGRAM);
        List<String> args = launch.arguments();
        String script = null;
        String server = null;
        boolean inline = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                break;
            }
            if (a.equals("-f") && i + 1 < args.size()) {
                script = args.get(i + 1);
                break;
            }
            if (a.equals("-r") || a.equals("-R") || a.equals("-B") || a.equals("-E")) {
                inline = true;
            }
            if (a.equals("-S") && i + 1 < args.size()) {
                server = args.get(i + 1);
            }
            if (WITH_VALUE.contains(a)) {
                i++;
                continue;
            }
            if (a.startsWith("-")) {
                continue;
            }
            script = a;
            break;
        }
        if (script != null) {
            String path = launch.absolute(script);
            if (ctx.resolve(path).isEmpty()) {
                profile.note(Finding.Kind.BLOCKER, path, 0, "php runs the script " + script + ", which is not in the image");
            } else {
                profile.file(path, "the PHP script the program runs");
                String app = Paths.parent(path);
                if (!Launch.isSystemDirectory(app)) {
                    profile.application(app, "the application of " + Paths.name(path) + " (its directory: its code, vendor/ and"
                            + " configuration)");
                }
            }
        } else if (!inline && server == null) {
            profile.note(Finding.Kind.WARNING, "", 0, "php runs no script (" + String.join(" ", launch.argv())
                    + "): it reads its program from standard input, which a container does not give it");
        }
        if (server != null) {
            Matcher m = ADDRESS.matcher(server);
            if (m.matches()) {
                int port = Integer.parseInt(m.group(1));
                profile.listen(ProgramProfile.Listen.port(port, true, "", 0)).listensKnown()
                        .probe(new Probe(Probe.Kind.HTTP, port, "/"));
            }
        } else {
            profile.probe(Probe.runs());
        }
        return Optional.of(profile.build());
    }
}
