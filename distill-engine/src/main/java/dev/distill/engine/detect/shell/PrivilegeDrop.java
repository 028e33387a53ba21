package dev.distill.engine.detect.shell;

import java.util.List;
import java.util.Optional;

/**
 * The tools an entrypoint execs to run its program as another user: {@code gosu USER cmd},
 * {@code su-exec USER[:GROUP] cmd}, {@code setpriv --reuid=U --regid=G ... -- cmd}, {@code chroot --userspec=U:G / cmd},
 * {@code s6-setuidgid USER cmd}, {@code chpst -u USER[:GROUP] cmd}. A distroless result runs as that user from the
 * start, so the tool is dropped and the command stands.
 *
 * @param tool the tool's name
 * @param user the user as written (a name or a uid)
 * @param group the group as written, or null for the user's own
 * @param command what runs as that user
 */
public record PrivilegeDrop(String tool, String user, String group, List<String> command) {

    public PrivilegeDrop {
        command = List.copyOf(command);
    }

    /** The drop {@code argv} makes, if its program is one of these tools and its use is understood. */
    public static Optional<PrivilegeDrop> of(List<String> argv) {
        if (argv.isEmpty()) {
            return Optional.empty();
        }
        String tool = argv.get(0).substring(argv.get(0).lastIndexOf('/') + 1);
        List<String> rest = argv.subList(1, argv.size());
        return switch (tool) {
            case "gosu", "su-exec", "s6-setuidgid" -> rest.size() < 2 ? Optional.empty() : spec(tool, rest.get(0),
                    rest.subList(1, rest.size()));
            case "setpriv" -> setpriv(rest);
            case "chroot" -> chroot(rest);
            case "chpst" -> chpst(rest);
            default -> Optional.empty();
        };
    }

    private static Optional<PrivilegeDrop> spec(String tool, String spec, List<String> command) {
        if (command.isEmpty() || spec.isEmpty()) {
            return Optional.empty();
        }
        int colon = spec.indexOf(':');
        return Optional.of(new PrivilegeDrop(tool, colon < 0 ? spec : spec.substring(0, colon),
                colon < 0 || colon == spec.length() - 1 ? null : spec.substring(colon + 1), command));
    }

    private static Optional<PrivilegeDrop> setpriv(List<String> args) {
        String user = null;
        String group = null;
        int i = 0;
        for (; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-")) {
                break;
            }
            String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : null;
            String option = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            boolean takesValue = option.equals("--reuid") || option.equals("--regid") || option.equals("--ruid")
                    || option.equals("--euid") || option.equals("--rgid") || option.equals("--egid")
                    || option.equals("--groups") || option.equals("--inh-caps") || option.equals("--ambient-caps")
                    || option.equals("--bounding-set") || option.equals("--securebits") || option.equals("--selinux-label")
                    || option.equals("--apparmor-profile") || option.equals("--pdeathsig");
            if (takesValue && value == null) {
                if (i + 1 >= args.size()) {
                    return Optional.empty();
                }
                value = args.get(++i);
            }
            if (option.equals("--reuid") || option.equals("--ruid") || option.equals("--euid")) {
                user = value;
            } else if (option.equals("--regid") || option.equals("--rgid") || option.equals("--egid")) {
                group = value;
            } else if (!takesValue && !option.equals("--clear-groups") && !option.equals("--init-groups")
                    && !option.equals("--keep-groups") && !option.equals("--nnp") && !option.equals("--no-new-privs")
                    && !option.equals("--reset-env")) {
                return Optional.empty();  // an option that changes more than the user: not a plain drop
            }
        }
        if (user == null || i >= args.size()) {
            return Optional.empty();
        }
        return Optional.of(new PrivilegeDrop("setpriv", user, group, args.subList(i, args.size())));
    }

    private static Optional<PrivilegeDrop> chroot(List<String> args) {
        if (args.size() < 3 || !args.get(0).startsWith("--userspec=") || !args.get(1).equals("/")) {
            return Optional.empty();  // a real change of root is not a privilege drop
        }
        return spec("chroot", args.get(0).substring("--userspec=".length()), args.subList(2, args.size()));
    }

    private static Optional<PrivilegeDrop> chpst(List<String> args) {
        if (args.size() < 3 || !args.get(0).equals("-u")) {
            return Optional.empty();
        }
        return spec("chpst", args.get(1), args.subList(2, args.size()));
    }
}
