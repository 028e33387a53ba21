package dev.distill.engine.analysis;

import dev.distill.engine.detect.shell.EntrypointResult;
import dev.distill.engine.detect.shell.Ownership;
import dev.distill.engine.detect.shell.StartupStep;
import dev.distill.engine.detect.shell.Step;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.identity.Passwd;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.OwnerFix;
import dev.distill.engine.plan.PrestartPlan;
import dev.distill.engine.plan.PrestartStep;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.ProgramRole;
import dev.distill.engine.plan.WritablePlace;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns what the entrypoint does before its program into the plan: every step with what becomes of it, baked steps as
 * they will run in the build's sandbox, the init programs (planned like any program) of the steps run before each
 * start, ownership fixes applied to the carried files and places, and the image's {@code VOLUME}s as places every
 * program and init program shares (they all saw one container's volume in the source).
 */
final class PrestartPlanner {

    private final ImageFileSystem fs;
    private final ImageConfig config;
    private final Passwd passwd;

    PrestartPlanner(ImageFileSystem fs, ImageConfig config, Passwd passwd) {
        this.fs = fs;
        this.config = config;
        this.passwd = passwd;
    }

    /** An entrypoint step that runs before each start, and the plan of its program. */
    record Init(StartupStep step, ProgramPlan plan) {
    }

    /** The programs as the prestart steps leave them, and the prestart plan. */
    record Planned(List<ProgramPlan> programs, PrestartPlan prestart) {
    }

    Planned plan(EntrypointResult entrypoint, List<ProgramPlan> programs, List<Init> inits) {
        List<StartupStep> startup = entrypoint == null ? List.of() : entrypoint.steps();
        List<PrestartStep> steps = new ArrayList<>();
        for (StartupStep s : startup) {
            String init = inits.stream().filter(i -> i.step().equals(s)).map(i -> i.plan().name()).findFirst().orElse(null);
            if (s.action() == dev.distill.engine.detect.shell.StepAction.INIT && init == null) {
                continue;  // not planned (the program detector found no program in the entrypoint): its findings say why
            }
            steps.add(step(s, init));
        }
        Set<String> names = new LinkedHashSet<>();
        programs.forEach(p -> names.add(p.name()));
        inits.forEach(i -> names.add(i.plan().name()));
        List<String> all = List.copyOf(names);
        List<OwnerFix> fixes = steps.stream().flatMap(s -> s.ownership().stream()).toList();
        List<ProgramPlan> outPrograms = new ArrayList<>();
        for (ProgramPlan p : programs) {
            outPrograms.add(adjust(p, all, fixes));
        }
        List<ProgramPlan> outInits = new ArrayList<>();
        for (Init i : inits) {
            outInits.add(asOwnerOfItsPlaces(adjust(i.plan(), all, fixes)).withRole(ProgramRole.INIT));
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

    /** A program as the prestart leaves it: the image's volumes shared, ownership fixed. */
    private ProgramPlan adjust(ProgramPlan p, List<String> all, List<OwnerFix> fixes) {
        ProgramPlan out = p;
        List<WritablePlace> places = new ArrayList<>(out.writablePlaces());
        for (String volume : config.volumes()) {
            String path = Paths.normalize(volume);
            if (places.stream().anyMatch(w -> Paths.normalize(w.path()).equals(path))) {
                continue;
            }
            FileEntry dir = fs.resolve(path).filter(FileEntry::isDirectory).orElse(null);
            List<String> others = all.stream().filter(n -> !n.equals(p.name())).toList();
            // Owned as the image has the directory (Docker fills a new volume from it); a root-owned one is the
            // program's, which could not write it otherwise.
            int uid = dir == null || dir.uid() == 0 ? p.runAs().uid() : dir.uid();
            int gid = dir == null || dir.gid() == 0 ? p.runAs().gid() : dir.gid();
            places.add(new WritablePlace(path, uid, gid, dir == null ? 0755 : dir.mode() & 07777, "VOLUME " + path
                    + " of the image: the deployment mounts it, and every program and init program shares it as they"
                    + " shared the source's one container", others));
        }
        if (!fixes.isEmpty()) {
            List<CarriedFile> files = new ArrayList<>();
            for (CarriedFile f : out.files()) {
                files.add(fixed(f, fixes));
            }
            out = out.withFiles(files);
            places.replaceAll(w -> fixed(w, fixes));
        }
        return out.withWritablePlaces(places);
    }

    /**
     * An init program the source's entrypoint ran as root would run as nonroot, who may not write where it writes: it
     * runs as the one non-root owner of the places it shares with the programs (a migration as the owner of the
     * database's volume), which is who the programs reading its work run as.
     */
    private ProgramPlan asOwnerOfItsPlaces(ProgramPlan init) {
        Identity source;
        try {
            source = Identity.resolve(init.user(), passwd);
        } catch (IllegalArgumentException e) {
            return init;
        }
        if (!source.isRoot()) {
            return init;
        }
        Set<String> owners = new java.util.TreeSet<>();
        init.writablePlaces().stream().filter(w -> !w.sharedWith().isEmpty() && w.uid() != 0)
                .forEach(w -> owners.add(w.uid() + ":" + w.gid()));
        if (owners.size() != 1) {
            return init;
        }
        Identity owner = Identity.resolve(owners.iterator().next(), passwd);
        List<Account> accounts = new ArrayList<>(init.accounts());
        if (!owner.name().isEmpty() && accounts.stream().noneMatch(a -> a.uid() == owner.uid())) {
            String group = passwd.group(String.valueOf(owner.gid())).map(Passwd.Group::name).orElse(String.valueOf(owner.gid()));
            accounts.add(new Account(owner.name(), owner.uid(), group, owner.gid(), owner.home()));
        }
        String places = init.writablePlaces().stream().filter(w -> !w.sharedWith().isEmpty() && w.uid() != 0)
                .map(WritablePlace::path).collect(java.util.stream.Collectors.joining(", "));
        return init.withRunAs(owner, "the source's entrypoint runs it as root; it writes " + places + ", which "
                + (owner.name().isEmpty() ? "uid " + owner.uid() : owner.name()) + " (" + owner.spec() + ") owns and the"
                + " programs share: it runs as that user", accounts);
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
