package dev.distill.engine.verify;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.surface.SurfaceDetector;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * No shell, no package manager, no setuid or setgid file: read from the analysis' own attack-surface
 * inventory, so that what the analysis reports as removed and what the verifier checks is the same list.
 */
final class SurfaceChecks {

    private SurfaceChecks() {
    }

    static List<StaticCheck> run(ImageFiles files, ImageConfig config) {
        SurfaceResult surface;
        try {
            surface = new DetectionContext(files.fs(), config).run(new SurfaceDetector()).result();
        } catch (RuntimeException e) {
            surface = null;
        }
        if (surface == null) {
            // Nothing can be claimed about the surface: every check built on it fails, saying why.
            CheckFinding f = new CheckFinding("", "", "surface", "the attack-surface inventory of the image failed");
            return List.of(StaticCheck.of(StaticChecker.NO_SHELL, List.of(f)),
                    StaticCheck.of(StaticChecker.NO_PACKAGE_MANAGER, List.of(f)),
                    StaticCheck.of(StaticChecker.NO_SETUID, List.of(f)));
        }
        List<CheckFinding> shells = items(surface, "shell", SurfaceResult.Category.SHELL);
        List<CheckFinding> managers = items(surface, "package manager", SurfaceResult.Category.PACKAGE_MANAGER);
        onSearchPath(files, config, SurfaceResult.Category.SHELL, "shell", shells);
        onSearchPath(files, config, SurfaceResult.Category.PACKAGE_MANAGER, "package manager", managers);
        return List.of(StaticCheck.of(StaticChecker.NO_SHELL, shells),
                StaticCheck.of(StaticChecker.NO_PACKAGE_MANAGER, managers),
                StaticCheck.of(StaticChecker.NO_SETUID, setuid(surface)));
    }

    /**
     * The inventory looks in the standard bin directories; an image can put a shell anywhere on its own PATH
     * (distroless debug images have {@code /busybox/sh}), where {@code sh -c} would find it just the same.
     */
    private static void onSearchPath(ImageFiles files, ImageConfig config, SurfaceResult.Category category,
            String what, List<CheckFinding> found) {
        String path = config.envValue("PATH");
        for (String dir : (path == null ? DetectionContext.DEFAULT_PATH : path).split(":")) {
            if (!dir.startsWith("/")) {
                continue;
            }
            List<FileEntry> entries;
            try {
                entries = files.fs().list(dir);
            } catch (RuntimeException e) {
                continue;
            }
            for (FileEntry e : entries) {
                boolean known = found.stream().anyMatch(f -> f.path().equals(e.path()));
                if (known || e.isDirectory() || SurfaceDetector.categoryOf(Paths.name(e.path())).orElse(null) != category) {
                    continue;
                }
                Optional<FileEntry> target = files.resolve(e.path());
                if (target.isPresent() && target.get().isRegular()) {
                    String via = target.get().path().equals(e.path()) ? "" : " (-> " + target.get().path() + ")";
                    found.add(files.finding(e.path(), Paths.name(e.path()), what + " " + e.path() + via
                            + " is in the image, on its PATH: a distroless result carries none"));
                }
            }
        }
    }

    private static List<CheckFinding> items(SurfaceResult surface, String what, SurfaceResult.Category category) {
        List<CheckFinding> out = new ArrayList<>();
        for (SurfaceResult.Item i : surface.items(category)) {
            String via = i.target().equals(i.path()) ? "" : " (-> " + i.target() + ")";
            out.add(new CheckFinding(i.path(), i.layer(), i.name(), what + " " + i.path() + via
                    + " is in the image: a distroless result carries none"));
        }
        return out;
    }

    private static List<CheckFinding> setuid(SurfaceResult surface) {
        List<CheckFinding> out = new ArrayList<>();
        for (SurfaceResult.Item i : surface.items()) {
            if (i.category() == SurfaceResult.Category.SETUID || i.category() == SurfaceResult.Category.SETGID) {
                String bit = i.category() == SurfaceResult.Category.SETUID ? "setuid" : "setgid";
                out.add(new CheckFinding(i.path(), i.layer(), bit, i.path() + " is " + bit + " (mode "
                        + String.format("%04o", i.mode()) + "): a privilege-escalation path"));
            }
        }
        return out;
    }
}
