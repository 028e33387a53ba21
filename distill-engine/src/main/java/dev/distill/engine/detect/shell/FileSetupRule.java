package dev.distill.engine.detect.shell;

import dev.distill.engine.identity.Passwd;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The file utilities an entrypoint prepares directories and links with ({@code mkdir}, {@code chown}, {@code chmod},
 * {@code ln}, {@code touch}, {@code cp}, {@code mv}, {@code rm}, {@code install}, and {@code find ... -exec chown}).
 * With every argument known they change only files: in the image's own tree that is done once at build time; in a
 * place the deployment mounts it must happen before each start; an ownership fix in a branch only root takes is
 * decided by who runs the script.
 */
final class FileSetupRule implements StepRule {

    /** Per command: the options that take a value (so the value is not taken for a path). */
    private static final Map<String, Set<String>> VALUE_OPTIONS = Map.of(
            "mkdir", Set.of("-m", "--mode"),
            "chown", Set.of("--reference", "--from"),
            "chgrp", Set.of("--reference"),
            "chmod", Set.of("--reference"),
            "ln", Set.of("-t", "--target-directory", "-S", "--suffix"),
            "touch", Set.of("-d", "-t", "-r", "--date", "--reference"),
            "cp", Set.of("-t", "--target-directory", "-S", "--suffix"),
            "mv", Set.of("-t", "--target-directory", "-S", "--suffix"),
            "rm", Set.of(),
            "install", Set.of("-m", "-o", "-g", "-t", "-S", "--mode", "--owner", "--group", "--target-directory"));

    @Override
    public String name() {
        return "file setup";
    }

    @Override
    public Optional<StepDecision> decide(StepFacts facts) {
        String cmd = facts.programName();
        List<String> argv = facts.argv();
        if (cmd.equals("find")) {
            return find(facts);
        }
        Set<String> valueOptions = VALUE_OPTIONS.get(cmd);
        if (valueOptions == null) {
            return Optional.empty();
        }
        List<String> operands = operands(argv.subList(1, argv.size()), valueOptions);
        boolean recursive = argv.subList(1, argv.size()).stream()
                .anyMatch(a -> a.equals("-R") || a.equals("--recursive") || a.matches("-[a-zA-Z]*R[a-zA-Z]*"));
        List<String> written = switch (cmd) {
            case "chown", "chgrp", "chmod" -> operands.size() < 2 ? List.of() : operands.subList(1, operands.size());
            case "ln", "cp", "mv" -> operands.isEmpty() ? List.of() : lastOrTarget(argv, operands);
            case "install" -> argv.contains("-d") ? operands : operands.isEmpty() ? List.of() : lastOrTarget(argv, operands);
            default -> operands;
        };
        if (written.isEmpty()) {
            return Optional.of(StepDecision.of(StepAction.REVIEW, cmd + " with arguments Distill does not understand ("
                    + String.join(" ", argv) + "): the result goes without it"));
        }
        List<String> paths = written.stream().map(facts::path).toList();
        if (facts.step().identityBranch() && (cmd.equals("chown") || cmd.equals("chgrp")) && operands.size() >= 2) {
            return Optional.of(identity(facts, operands.get(0), cmd.equals("chgrp"), paths, recursive));
        }
        return Optional.of(placed(facts, cmd, paths));
    }

    /** {@code find PATH... [tests] -exec chown OWNER {} +}: an ownership fix of the trees it starts from. */
    private Optional<StepDecision> find(StepFacts facts) {
        List<String> argv = facts.argv();
        int exec = argv.indexOf("-exec");
        if (exec < 0 || exec + 2 >= argv.size()) {
            return Optional.empty();
        }
        String tool = argv.get(exec + 1);
        tool = tool.substring(tool.lastIndexOf('/') + 1);
        if (!tool.equals("chown") && !tool.equals("chgrp") && !tool.equals("chmod")) {
            return Optional.empty();
        }
        List<String> starts = new ArrayList<>();
        for (String a : argv.subList(1, exec)) {
            if (a.startsWith("-") || a.equals("!") || a.equals("(") || a.equals(")")) {
                break;
            }
            starts.add(a);
        }
        if (starts.isEmpty()) {
            starts.add(".");
        }
        List<String> execArgs = operands(argv.subList(exec + 2, argv.size()), Set.of());
        List<String> paths = starts.stream().map(facts::path).toList();
        if (facts.step().identityBranch() && !tool.equals("chmod") && !execArgs.isEmpty()) {
            return Optional.of(identity(facts, execArgs.get(0), tool.equals("chgrp"), paths, true));
        }
        return Optional.of(placed(facts, "find -exec " + tool, paths));
    }

    private static StepDecision placed(StepFacts facts, String what, List<String> paths) {
        for (String p : paths) {
            Optional<String> place = facts.deploymentPlace(p);
            if (place.isPresent()) {
                return StepDecision.of(StepAction.INIT, what + " changes " + p + " in " + place.get()
                        + ", a place the deployment mounts (VOLUME): it runs before each start");
            }
        }
        for (String p : paths) {
            Optional<String> place = facts.runTimePlace(p);
            if (place.isPresent()) {
                return StepDecision.of(StepAction.REVIEW, what + " changes " + p + " under " + place.get()
                        + ", which the result mounts fresh for each program; the wiring creates each place a program"
                        + " writes with its owner: check that nothing else is needed");
            }
        }
        return StepDecision.of(StepAction.BAKE, what + " changes only the image's own files (" + String.join(", ", paths)
                + "): done once at build time" + (facts.step().identityBranch() ? ", as the script does when it runs as root"
                : ""));
    }

    /** A chown in the branch only root takes: with the result's identity it falls away, its owner stays. */
    private static StepDecision identity(StepFacts facts, String spec, boolean groupOnly, List<String> paths,
            boolean recursive) {
        Optional<int[]> ids = owner(facts, spec, groupOnly);
        if (ids.isEmpty()) {
            return StepDecision.of(StepAction.REVIEW, "an ownership fix to '" + spec + "', which the image's /etc/passwd"
                    + " and /etc/group do not name: the result goes without it");
        }
        List<Ownership> fixes = paths.stream()
                .map(p -> new Ownership(p, recursive, spec, ids.get()[0], ids.get()[1])).toList();
        return new StepDecision(StepAction.IDENTITY, "the branch only root takes fixes the owner of "
                + String.join(", ", paths) + (recursive ? " (recursively)" : "") + " to " + spec
                + "; the result runs as that user from the start, so the carried files get that owner instead", fixes, true);
    }

    /** The ids an owner spec names: {@code user}, {@code user:group}, {@code user:}, {@code uid:gid}; -1 = unchanged. */
    static Optional<int[]> owner(StepFacts facts, String spec, boolean groupOnly) {
        Passwd passwd = passwd(facts);
        String user = groupOnly ? "" : spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
        String group = groupOnly ? spec : spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : null;
        int uid = -1;
        int gid = -1;
        Passwd.User u = null;
        if (!user.isEmpty()) {
            u = passwd.user(user).orElse(null);
            if (u == null && !user.matches("\\d+")) {
                return Optional.empty();
            }
            uid = u != null ? u.uid() : Integer.parseInt(user);
        }
        if (group != null && group.isEmpty() && u != null) {
            gid = u.gid();  // "user:" is the user's login group
        } else if (group != null && !group.isEmpty()) {
            Optional<Passwd.Group> g = passwd.group(group);
            if (g.isEmpty() && !group.matches("\\d+")) {
                return Optional.empty();
            }
            gid = g.map(Passwd.Group::gid).orElseGet(() -> Integer.parseInt(group));
        }
        if (uid < 0 && groupOnly) {
            return Optional.empty();  // a group-only change has no owner to run as; review it instead
        }
        return Optional.of(new int[] {uid, gid});
    }

    static Passwd passwd(StepFacts facts) {
        return ShellDetector.accounts(facts.context(), new dev.distill.engine.detect.Findings(ShellDetector.NAME,
                facts.context()));
    }

    /** The arguments that are not options (nor options' values), up to and after {@code --}. */
    static List<String> operands(List<String> args, Set<String> valueOptions) {
        List<String> out = new ArrayList<>();
        boolean options = true;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (options && a.equals("--")) {
                options = false;
            } else if (options && a.startsWith("-") && a.length() > 1) {
                if (valueOptions.contains(a)) {
                    i++;
                }
            } else {
                out.add(a);
            }
        }
        return out;
    }

    /** What cp, mv, ln and install write: the {@code -t} directory, else the last operand. */
    private static List<String> lastOrTarget(List<String> argv, List<String> operands) {
        for (int i = 1; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("-t") || argv.get(i).equals("--target-directory")) {
                return List.of(argv.get(i + 1));
            }
        }
        if (operands.size() == 1) {
            String only = operands.get(0);
            return List.of(only.substring(only.lastIndexOf('/') + 1));  // ln -s /x: the link lands in the working directory
        }
        return List.of(operands.get(operands.size() - 1));
    }
}
