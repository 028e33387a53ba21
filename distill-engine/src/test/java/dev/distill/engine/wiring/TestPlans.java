package dev.distill.engine.wiring;

import dev.distill.engine.identity.Identity;
import dev.distill.engine.identity.Passwd;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.BaseChoice;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.ProgramRole;
import dev.distill.engine.plan.WritablePlace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small hand-built plans, shaped like what the analysis gives for php-fpm + nginx. */
final class TestPlans {

    static final Account ROOT = new Account("root", 0, "root", 0, "/root");
    static final Account WWW_DATA = new Account("www-data", 33, "www-data", 33, "/var/www");
    static final String REGISTRY = "127.0.0.1:5000/demo/app";

    private TestPlans() {
    }

    /** A program that runs as {@code user} resolved against its accounts, as the analysis resolves it. */
    static ProgramPlan program(String name, List<String> command, String user, List<String> ports,
            List<Account> accounts, List<WritablePlace> places) {
        return program(name, command, user, ports, accounts, places, Identity.resolve(user, passwd(accounts)));
    }

    static ProgramPlan program(String name, List<String> command, String user, List<String> ports,
            List<Account> accounts, List<WritablePlace> places, Identity runAs) {
        return new ProgramPlan(name, command, user, "/var/www/html", List.of("PATH=/usr/sbin:/usr/bin"), ports,
                "SIGQUIT", new BaseChoice(BaseImage.BASE, "test"), List.of(), accounts, places, List.of(), List.of(),
                "test", ProgramRole.SERVICE, runAs, "test", List.of());
    }

    private static Passwd passwd(List<Account> accounts) {
        List<Passwd.User> users = new ArrayList<>();
        List<Passwd.Group> groups = new ArrayList<>();
        for (Account a : accounts) {
            users.add(new Passwd.User(a.user(), a.uid(), a.gid(), a.home(), ""));
            groups.add(new Passwd.Group(a.group(), a.gid(), List.of()));
        }
        return new Passwd(users, groups);
    }

    static WritablePlace place(String path, int uid, int gid, int mode, String... sharedWith) {
        return new WritablePlace(path, uid, gid, mode, "test place " + path, List.of(sharedWith));
    }

    /** php-fpm and nginx as the fixture's analysis plans them: both root, both exposing the image's 8080. */
    static MigrationPlan phpFpmAndNginx() {
        ProgramPlan fpm = program("php-fpm", List.of("/usr/sbin/php-fpm8.2", "-F"), "root", List.of("8080/tcp"),
                List.of(ROOT, WWW_DATA), List.of(place("/run/php", 0, 0, 0755, "nginx"), place("/tmp", 0, 0, 01777)));
        ProgramPlan nginx = program("nginx", List.of("/usr/sbin/nginx", "-g", "daemon off;"), "root",
                List.of("8080/tcp"), List.of(ROOT, WWW_DATA), List.of(place("/run", 0, 0, 0755),
                        place("/tmp/nginx-body", 33, 33, 0755), place("/tmp", 0, 0, 01777),
                        place("/run/php", 0, 0, 0755, "php-fpm")));
        return new MigrationPlan(List.of(fpm, nginx), List.of(), List.of());
    }

    /**
     * php-fpm and a worker sharing the image's VOLUME /var/lib/app, and a migration that runs before them (an init
     * program) writing there, as the Laravel fixture's analysis plans them.
     */
    static MigrationPlan withMigration() {
        WritablePlace data = place("/var/lib/app", 33, 33, 0755, "worker", "init-php-artisan-migrate");
        ProgramPlan fpm = program("php-fpm", List.of("/usr/sbin/php-fpm8.2", "-F"), "www-data", List.of("9000/tcp"),
                List.of(WWW_DATA), List.of(data));
        ProgramPlan worker = program("worker", List.of("/usr/bin/php", "artisan", "queue:work"), "www-data", List.of(),
                List.of(WWW_DATA), List.of(place("/var/lib/app", 33, 33, 0755, "php-fpm", "init-php-artisan-migrate")));
        ProgramPlan migrate = program("init-php-artisan-migrate", List.of("/usr/bin/php", "artisan", "migrate", "--force"),
                "www-data", List.of(), List.of(WWW_DATA),
                List.of(place("/var/lib/app", 33, 33, 0755, "php-fpm", "worker"))).withRole(ProgramRole.INIT);
        dev.distill.engine.plan.PrestartStep step = new dev.distill.engine.plan.PrestartStep("/usr/local/bin/entrypoint.sh",
                9, "php artisan migrate --force", dev.distill.engine.plan.PrestartStep.Action.INIT,
                "artisan migrate migrates the database the deployment provides: it runs before each start",
                List.of("php", "artisan", "migrate", "--force"), List.of(), "/var/www/html", "0:0", List.of(),
                "init-php-artisan-migrate", List.of());
        return new MigrationPlan(List.of(fpm, worker), List.of(), List.of(),
                new dev.distill.engine.plan.PrestartPlan("", List.of(step), List.of(migrate)));
    }

    static MigrationPlan of(ProgramPlan... programs) {
        return new MigrationPlan(List.of(programs), List.of(), List.of());
    }

    /** A pushed image per program, {@code repo:tag-distroless-<program>@sha256:...}, digests distinct. */
    static Map<String, ImageReference> imagesFor(MigrationPlan plan) {
        Map<String, ImageReference> images = new LinkedHashMap<>();
        int i = 0;
        for (ProgramPlan p : java.util.stream.Stream.concat(plan.programs().stream(), plan.prestart().init().stream()).toList()) {
            String hex = String.format("%064x", ++i);
            images.put(p.name(), ImageReference.parse(REGISTRY + ":1-distroless-"
                    + DnsLabels.sanitize(p.name(), "p") + "@sha256:" + hex));
        }
        return images;
    }

    static PodWiring wire(MigrationPlan plan) {
        return PodWiring.fromPlan("demo/app", plan, imagesFor(plan));
    }
}
