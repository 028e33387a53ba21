package dev.distill.engine.assembly;

import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.ProgramPlan;
import java.util.List;
import java.util.Optional;

/**
 * Which user a result image runs as. Distroless results do not run as root: a program the source runs as a
 * non-root account keeps that account (its files are owned by it). A program the source starts as root and whose
 * own configuration drops privileges to exactly one account (php-fpm's pool user, nginx's {@code user}) runs as
 * that account from the start, since that is the user it does its work as; anything else runs as distroless's
 * {@code nonroot} (65532).
 *
 * @param account the account to add to the base's passwd and group, or null when the base has it (nonroot)
 * @param why one sentence for the build report
 */
record RuntimeUser(int uid, int gid, Account account, String why) {

    static final int NONROOT = 65532;

    static RuntimeUser of(ProgramPlan plan) {
        String user = plan.user() == null ? "" : plan.user().trim();
        Optional<Account> named = plan.accounts().stream()
                .filter(a -> a.uid() != 0 && (a.user().equals(user) || String.valueOf(a.uid()).equals(user.split(":")[0])))
                .findFirst();
        if (named.isPresent()) {
            Account a = named.get();
            return new RuntimeUser(a.uid(), a.gid(), a, "runs as " + a.user() + " (" + a.uid() + ":" + a.gid()
                    + "), the non-root user the source runs it as");
        }
        if (!isRoot(user) && user.matches("[0-9]+(:[0-9]+)?")) {
            String[] ids = user.split(":");
            int uid = Integer.parseInt(ids[0]);
            int gid = ids.length > 1 ? Integer.parseInt(ids[1]) : uid;
            return new RuntimeUser(uid, gid, null, "runs as " + uid + ":" + gid + ", as the source does");
        }
        List<Account> dropsTo = plan.accounts().stream().filter(a -> a.uid() != 0).toList();
        if (dropsTo.size() == 1) {
            Account a = dropsTo.get(0);
            return new RuntimeUser(a.uid(), a.gid(), a, "the source starts it as root and its configuration drops to "
                    + a.user() + " (" + a.uid() + ":" + a.gid() + "); it runs as that user from the start");
        }
        return new RuntimeUser(NONROOT, NONROOT, null, "the source runs it as " + (user.isEmpty() ? "root" : user)
                + "; distroless results run as nonroot (65532)");
    }

    boolean nonroot() {
        return uid == NONROOT;
    }

    String configUser() {
        return uid + ":" + gid;
    }

    private static boolean isRoot(String user) {
        return user.isEmpty() || user.equals("root") || user.equals("0") || user.startsWith("0:") || user.startsWith("root:");
    }
}
