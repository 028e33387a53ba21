package dev.distill.engine.analysis;

import dev.distill.engine.detect.shell.EntrypointResult;
import dev.distill.engine.detect.shell.Ownership;
import dev.distill.engine.detect.shell.StartupStep;
import dev.distill.engine.detect.shell.Step;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.OwnerFix;
import dev.distill.engine.plan.PrestartPlan;
import dev.distill.engine.plan.PrestartStep;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.WritablePlace;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns what the entrypoint does before its program into the plan: baked steps as they will run in the build's
 * sandbox, each init step as a program of its own (planned like any program, for an image of its own), ownership
 * fixes applied to the carried files and places, the user the script drops to, and the image's {@code VOLUME}s as
 * places every program and init step shares (they all saw one container's volume in the source).
 */
final class PrestartPlanner {

    private static final int MAX_NAME = 40;

    private final ImageFileSystem fs;
    private final ImageConfig config;
    private final ProgramPlanner planner;

    PrestartPlanner(ImageFileSystem fs, ImageConfig config, ProgramPlanner planner) {
        this.fs = fs;
        this.config = config;
        this.planner = planner;
    }

    /** The programs as the prestart steps leave them, and the prestart plan. */
    record Planned(List<ProgramPlan> programs, PrestartPlan prestart) {
    }

    Planned plan(EntrypointResult entrypoint, List<ProgramPlan> programs) {
        List<StartupStep> startup = entrypoint == null ? List.of() : entrypoint.steps();
        Set<String> names = new LinkedHashSet<>();
        programs.forEach(p -> names.add(p.name()));
        List<PrestartStep> steps = new ArrayList<>();
        List<ProgramPlanner.Program> inits = new ArrayList<>();
        for (StartupStep s : startup) {
            String init = null;
            if (s.action() == dev.distill.engine.detect.shell.StepAction.INIT) {
                init = initName(s.step(), names);
                names.add(init);
                inits.add(initProgram(init, s));
            }
            steps.add(step(s, init));
        }
        List<String> all = List.copyOf(names);
        List<ProgramPlan> initPlans = new ArrayList<>();
        for (ProgramPlanner.Program p : inits) {
            initPlans.add(planner.plan(p, all));
        }
        List<OwnerFix> fixes = steps.stream().flatMap(s -> s.ownership().stream()).toList();
        List<ProgramPlan> outPrograms = new ArrayList<>();
        for (ProgramPlan p : programs) {
            outPrograms.add(adjust(p, all, fixes, entrypoint == null ? null : entrypoint.runAs()));
        }
        List<ProgramPlan> outInits = new ArrayList<>();
        for (ProgramPlan p : initPlans) {
            outInits.add(adjust(p, all, fixes, null));
        }
        String shell = steps.stream().anyMatch(s -> s.action() == PrestartStep.Action.BAKE) ? shell(entrypoint) : "";
        return new Planned(outPrograms, new PrestartPlan(shell, steps, outInits));
    }

    private PrestartStep step(StartupStep s, String init) {
        Step step = s.step();
        List<String> env = new ArrayList<>();
        step.environment().forEach((k, v) -> env.add(k + "=" + v));
        List<PrestartStep.Redirect> redirects = step.redirects().stream()
                .map(r -> new PrestartStep.Redirect(r.fd(), r.operator(), r.target())).toList();
        List<OwnerFix> owners = new ArrayList<>();
        for (Ownership o : s.ownership()) {
            owners.add(new OwnerFix(o.path(), o.recursive(), o.uid(), o.gid(), o.owner(), s.where()));
        }
        String cwd = step.workingDir().isEmpty() ? workingDir() : step.workingDir();
        return new PrestartStep(s.script(), step.line(), step.text(), PrestartStep.Action.valueOf(s.action().name()),
                s.reason(), step.argv(), env, cwd, s.user(), redirects, init, owners);
    }

    /** An init step as a program: its command in exec form (argv[0] as the image resolves it), run as the source did. */
    private ProgramPlanner.Program initProgram(String name, StartupStep s) {
        List<String> command = new ArrayList<>(s.step().argv());
        if (!s.program().isEmpty()) {
            command.set(0, s.program());
        }
        List<String> env = new ArrayList<>(config.env());
        s.step().environment().forEach((k, v) -> env.add(k + "=" + v));
        String cwd = s.step().workingDir().isEmpty() ? workingDir() : s.step().workingDir();
        return new ProgramPlanner.Program(name, command, s.program(), s.user().isEmpty() ? config.user() : s.user(), cwd,
                env, List.of(), config.stopSignal());
    }

    /** {@code init-php-artisan-migrate}: the command's first words, unique among the plan's names. */
    static String initName(Step step, Set<String> taken) {
        StringBuilder name = new StringBuilder("init");
        for (String word : step.argv().subList(0, Math.min(3, step.argv().size()))) {
            if (word.startsWith("-")) {
                break;
            }
            String part = Paths.name(Paths.normalize("/" + word)).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                    .replaceAll("^-+|-+$", "");
            if (!part.isEmpty() && name.length() + part.length() + 1 <= MAX_NAME) {
                name.append('-').append(part);
            }
        }
        String base = name.toString();
        String candidate = base;
        for (int n = 2; taken.contains(candidate); n++) {
            candidate = base + "-" + n;
        }
        return candidate;
    }

    /** A program as the prestart leaves it: the image's volumes shared, ownership fixed, run as the user dropped to. */
    private ProgramPlan adjust(ProgramPlan p, List<String> all, List<OwnerFix> fixes, EntrypointResult.RunAs runAs) {
        ProgramPlan out = p;
        List<WritablePlace> places = new ArrayList<>(out.writablePlaces());
        for (String volume : config.volumes()) {
            String path = Paths.normalize(volume);
            if (places.stream().anyMatch(w -> Paths.normalize(w.path()).equals(path))) {
                continue;
            }
            FileEntry dir = fs.resolve(path).filter(FileEntry::isDirectory).orElse(null);
            List<String> others = all.stream().filter(n -> !n.equals(p.name())).toList();
            places.add(new WritablePlace(path, dir == null ? 0 : dir.uid(), dir == null ? 0 : dir.gid(),
                    dir == null ? 0755 : dir.mode() & 07777, "VOLUME " + path + " of the image: the deployment mounts it,"
                    + " and every program and init step shares it as they shared the source's one container", others));
        }
        if (!fixes.isEmpty()) {
            List<CarriedFile> files = new ArrayList<>();
            for (CarriedFile f : out.files()) {
                files.add(fixed(f, fixes));
            }
            out = out.withFiles(files);
            places.replaceAll(w -> fixed(w, fixes));
        }
        out = out.withWritablePlaces(places);
        if (runAs != null && (p.user() == null || p.user().equals(config.user()) || p.user().equals(runAs.user()))) {
            List<Account> accounts = new ArrayList<>(out.accounts());
            if (accounts.stream().noneMatch(a -> a.user().equals(runAs.user()))) {
                accounts.add(new Account(runAs.user(), runAs.uid(), runAs.group(), runAs.gid(), runAs.home()));
            }
            out = out.withUser(runAs.user(), accounts);
        }
        return out;
    }

    private static CarriedFile fixed(CarriedFile f, List<OwnerFix> fixes) {
        CarriedFile out = f;
        for (OwnerFix fix : fixes) {
            if (fix.covers(out.path())) {
                out = new CarriedFile(out.path(), out.type(), out.mode(), fix.uid(), fix.gid() < 0 ? out.gid() : fix.gid(),
                        out.size(), out.linkTarget(), out.layerDigest(), out.reason() + "; owned by " + fix.owner()
                        + " as the entrypoint's root-only branch makes it (" + fix.why() + ")");
            }
        }
        return out;
    }

    private static WritablePlace fixed(WritablePlace w, List<OwnerFix> fixes) {
        WritablePlace out = w;
        for (OwnerFix fix : fixes) {
            if (fix.covers(Paths.normalize(out.path()))) {
                out = new WritablePlace(out.path(), fix.uid(), fix.gid() < 0 ? out.gid() : fix.gid(), out.mode(),
                        out.why() + "; owned by " + fix.owner() + " (" + fix.why() + ")", out.sharedWith());
            }
        }
        return out;
    }

    private String workingDir() {
        return config.workingDir().isEmpty() ? "/" : Paths.normalize(config.workingDir());
    }

    /** The shell that runs the baked steps: the script's own when its interpreter is a path, else /bin/sh. */
    private String shell(EntrypointResult entrypoint) {
        for (EntrypointResult.Hop hop : entrypoint.hops()) {
            if (hop.kind() != EntrypointResult.HopKind.SHELL_SCRIPT && hop.kind() != EntrypointResult.HopKind.SHELL_C) {
                continue;
            }
            String interpreter = hop.interpreter().split("[ \t]+")[0];
            if (interpreter.startsWith("/") && !Paths.name(interpreter).equals("env")
                    && fs.resolve(interpreter).filter(FileEntry::isRegular).isPresent()) {
                return interpreter;
            }
        }
        return "/bin/sh";
    }
}
