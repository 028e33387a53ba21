package dev.distill.engine.detect.php;

import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.ProgramProfile.Writer;

/** What every PHP SAPI needs from its installations: ini files, dlopened extensions, the places its settings name. */
final class PhpPrograms {

    private PhpPrograms() {
    }

    /**
     * @param writer who writes what the ini settings name (sessions, uploads, temp files): php-fpm's pool workers,
     *     the CLI itself
     */
    static void installations(Iterable<PhpResult.Installation> installations, ProgramProfile.Builder profile, Writer writer) {
        for (PhpResult.Installation i : installations) {
            profile.file(i.phpIni(), "php.ini");
            i.iniFiles().forEach(f -> profile.file(f, "PHP configuration (scan directory)"));
            for (PhpResult.Extension e : i.extensions()) {
                if (!e.module().isEmpty()) {
                    profile.object(e.module(), "PHP extension " + e.value() + " (dlopened, " + e.file() + ":" + e.line() + ")");
                }
            }
            String file = i.phpIni().isEmpty() ? i.configDir() : i.phpIni();
            // The detector keeps only absolute paths outside /dev and /proc; error_log names a file, the rest directories.
            i.writablePaths().forEach((key, path) -> profile.place(path, writer, key.equals("error_log"), "php " + key, file, 0));
        }
    }

    /** A log file the program opens itself: its directory must be writable. Streams and devices are not places. */
    static void log(ProgramProfile.Builder profile, String path, String purpose, String file, int line) {
        if (path == null || path.isEmpty() || !path.startsWith("/") || path.startsWith("/dev/") || path.startsWith("/proc/")) {
            return;
        }
        profile.place(path, Writer.PROGRAM, true, purpose, file, line);
    }
}
