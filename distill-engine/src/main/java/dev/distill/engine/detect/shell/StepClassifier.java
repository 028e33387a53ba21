package dev.distill.engine.detect.shell;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.fs.FileEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides what becomes of each command an entrypoint runs before its program: the first {@link StepRule} that knows
 * the command decides; shell builtins that matter ({@code umask}, {@code echo > file}) are decided here; anything no
 * rule knows is for a person to review, since the result goes without it.
 */
public final class StepClassifier {

    private final List<StepRule> rules;

    public StepClassifier(List<StepRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** What the shell package itself knows: file setup, templating, waiting for dependencies. */
    public static List<StepRule> shellRules() {
        return List.of(new FileSetupRule(), new TemplatingRule(), new DependencyWaitRule());
    }

    public List<StepRule> rules() {
        return rules;
    }

    /**
     * @param knownEnvironment what the image's configuration sets (the step's own exports are added)
     * @param deploymentPlaces the image's VOLUMEs
     */
    public StartupStep classify(String script, Step step, DetectionContext ctx, Map<String, String> knownEnvironment,
            List<String> deploymentPlaces) {
        return classify(script, step, null, ctx, knownEnvironment, deploymentPlaces);
    }

    /** @param who who runs the step in the source, null when not known */
    public StartupStep classify(String script, Step step, ScriptUser who, DetectionContext ctx,
            Map<String, String> knownEnvironment, List<String> deploymentPlaces) {
        String user = who == null ? "" : who.uid() + ":" + who.gid();
        StartupStep s = decide(script, step, ctx, knownEnvironment, deploymentPlaces);
        return new StartupStep(s.script(), s.step(), s.program(), s.action(), s.reason(), s.ownership(), s.reproduced(), user);
    }

    private StartupStep decide(String script, Step step, DetectionContext ctx, Map<String, String> knownEnvironment,
            List<String> deploymentPlaces) {
        String name = step.name();
        if (name.equals("umask")) {
            String mask = step.argv().size() > 1 ? step.argv().get(1) : "";
            return new StartupStep(script, step, "", StepAction.IDENTITY, "sets the umask to " + mask + " for the program;"
                    + " Kubernetes and compose cannot set a container's umask, so files the result creates get the"
                    + " runtime's default (" + ScriptUser.DEFAULT_UMASK + ") instead", List.of(), false, "");
        }
        String program = name.equals("echo") || name.equals("printf") ? "" : resolve(step, ctx).orElse("");
        StepFacts facts = new StepFacts(step, program, ctx, knownEnvironment, deploymentPlaces);
        if (name.equals("echo") || name.equals("printf")) {
            return builtinWrite(script, facts);
        }
        if (program.isEmpty()) {
            return new StartupStep(script, step, "", StepAction.REVIEW, "runs " + name + ", which the image does not "
                    + "have (the script would fail there): the result goes without it", List.of(), true, "");
        }
        for (StepRule rule : rules) {
            Optional<StepRule.StepDecision> d;
            try {
                d = rule.decide(facts);
            } catch (RuntimeException e) {
                // One rule's failure is a finding about this step, never the whole analysis.
                return new StartupStep(script, step, program, StepAction.REVIEW, "the " + rule.name()
                        + " knowledge failed on it (" + e + "): the result goes without it", List.of(), true, "");
            }
            if (d.isPresent()) {
                StepRule.StepDecision decision = d.get();
                return new StartupStep(script, step, program, decision.action(), decision.reason(), decision.ownership(),
                        decision.reproduced(), "");
            }
        }
        return new StartupStep(script, step, program, StepAction.REVIEW, "runs " + program + " before the program; "
                + "Distill does not know whether that can be done at build time or needs the running environment: the"
                + " result goes without it, check that it does not need it", List.of(), true, "");
    }

    private static StartupStep builtinWrite(String script, StepFacts facts) {
        List<String> written = new ArrayList<>();
        facts.step().redirects().stream().filter(Step.Redirect::writes).forEach(r -> written.add(r.target()));
        for (String w : written) {
            Optional<String> place = facts.deploymentPlace(w);
            if (place.isPresent()) {
                return new StartupStep(script, facts.step(), "", StepAction.BLOCK, facts.step().name() + " writes " + w
                        + " in " + place.get() + ", a place the deployment mounts, through a shell redirection: an init"
                        + " step in exec form cannot do that", List.of(), true, "");
            }
        }
        return new StartupStep(script, facts.step(), "", StepAction.BAKE, facts.step().name() + " writes "
                + String.join(", ", written) + " with content known statically: done once at build time", List.of(), true, "");
    }

    /** Where argv[0] leads, like execvp from the step's working directory. */
    static Optional<String> resolve(Step step, DetectionContext ctx) {
        String name = step.name();
        if (!name.contains("/")) {
            return ctx.which(name);
        }
        String cwd = step.workingDir().isEmpty() ? ctx.workingDir() : step.workingDir();
        String path = name.startsWith("/") ? dev.distill.engine.fs.Paths.normalize(name)
                : dev.distill.engine.fs.Paths.normalize(cwd + "/" + name);
        return ctx.resolve(path).filter(FileEntry::isRegular).map(e -> path);
    }
}
