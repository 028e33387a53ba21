package dev.distill.engine.detect.laravel;

import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import dev.distill.engine.detect.shell.StepAction;
import dev.distill.engine.detect.shell.StepFacts;
import dev.distill.engine.detect.shell.StepRule;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code php artisan <command>} (or {@code ./artisan <command>}) before the program. The cache commands turn the
 * application's code, configuration and the environment the image sets into files under {@code bootstrap/cache}
 * and {@code storage/framework}: deterministic, so they are done once at build time. Migrations and seeds change the
 * deployment's database and clearing the cache store touches the deployment's cache: they run before each start.
 */
public final class ArtisanRule implements StepRule {

    /** A PHP CLI binary: php, php8.2, php82. */
    private static final Pattern PHP = Pattern.compile("php[0-9.]*");
    /** PHP CLI options that take a value, so the value is not taken for the script. */
    private static final Set<String> PHP_VALUE_OPTIONS = Set.of("-d", "-c", "-z");

    private static final Map<String, String> BUILD_TIME = Map.ofEntries(
            Map.entry("config:cache", "writes bootstrap/cache/config.php from the configuration files and the environment"),
            Map.entry("route:cache", "writes bootstrap/cache/routes-v7.php from the application's routes"),
            Map.entry("view:cache", "compiles the Blade templates into storage/framework/views"),
            Map.entry("event:cache", "writes bootstrap/cache/events.php from the application's listeners"),
            Map.entry("optimize", "writes the configuration, route and event caches"),
            Map.entry("package:discover", "writes bootstrap/cache/packages.php from the installed packages"),
            Map.entry("storage:link", "links public/storage to storage/app/public"),
            Map.entry("config:clear", "deletes the configuration cache"),
            Map.entry("route:clear", "deletes the route cache"),
            Map.entry("view:clear", "deletes the compiled templates"),
            Map.entry("event:clear", "deletes the event cache"),
            Map.entry("clear-compiled", "deletes the compiled class files"));

    private static final Map<String, String> EACH_START = Map.of(
            "migrate", "migrates the database the deployment provides",
            "db:seed", "seeds the database the deployment provides",
            "cache:clear", "clears the cache store the deployment provides",
            "queue:restart", "signals the workers through the deployment's cache store",
            "schedule:clear-cache", "clears the scheduler's locks in the deployment's cache store");

    @Override
    public String name() {
        return "Laravel artisan";
    }

    @Override
    public Optional<StepDecision> decide(StepFacts facts) {
        List<String> argv = facts.argv();
        int script;
        if (PHP.matcher(facts.programName()).matches()) {
            script = 1;
            while (script < argv.size() && argv.get(script).startsWith("-")) {
                script += PHP_VALUE_OPTIONS.contains(argv.get(script)) ? 2 : 1;
            }
        } else {
            script = 0;
        }
        if (script >= argv.size() || !isArtisan(facts, argv.get(script))) {
            return Optional.empty();
        }
        if (script + 1 >= argv.size()) {
            return Optional.of(StepDecision.of(StepAction.REVIEW, "artisan without a command only prints its help: the"
                    + " result goes without it"));
        }
        String command = argv.get(script + 1);
        String artisan = facts.path(argv.get(script));
        if (BUILD_TIME.containsKey(command)) {
            return Optional.of(StepDecision.of(StepAction.BAKE, "artisan " + command + " " + BUILD_TIME.get(command)
                    + " of " + artisan + "'s application: deterministic for the image and the environment it sets,"
                    + " so done once at build time"));
        }
        if (EACH_START.containsKey(command)) {
            boolean forced = argv.contains("--force");
            return Optional.of(StepDecision.of(StepAction.INIT, "artisan " + command + " " + EACH_START.get(command)
                    + ": it runs before each start" + (command.equals("migrate") && !forced
                    ? " (without --force it asks for confirmation in production and fails without a terminal)" : "")));
        }
        return Optional.of(StepDecision.of(StepAction.REVIEW, "artisan " + command + " is not a command Distill knows:"
                + " the result goes without it"));
    }

    /** Whether the argument names a PHP script called {@code artisan} in the image. */
    private static boolean isArtisan(StepFacts facts, String argument) {
        String path = facts.path(argument);
        if (!path.endsWith("/artisan")) {
            return false;
        }
        Optional<TextFile> text = facts.context().readText(path, new Findings("shell", facts.context()));
        return text.isPresent() && (text.get().content().startsWith("<?php")
                || text.get().content().startsWith("#!") && text.get().content().lines().findFirst().orElse("").contains("php"));
    }
}
