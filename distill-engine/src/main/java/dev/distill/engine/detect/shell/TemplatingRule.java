package dev.distill.engine.detect.shell;

import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Configuration templating before the program starts: {@code envsubst < template > file} and {@code sed}. A template
 * whose variables the image's configuration (or the script) sets is rendered once at build time; one that reads
 * variables only the deployment sets would have to run before each start, which {@code envsubst} cannot do without a
 * shell (it reads and writes through redirections) and {@code sed -i} can only where the deployment mounts the file.
 */
final class TemplatingRule implements StepRule {

    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)\\}|([A-Za-z_][A-Za-z0-9_]*))");

    @Override
    public String name() {
        return "templating";
    }

    @Override
    public Optional<StepDecision> decide(StepFacts facts) {
        return switch (facts.programName()) {
            case "envsubst" -> Optional.of(envsubst(facts));
            case "sed" -> Optional.of(sed(facts));
            default -> Optional.empty();
        };
    }

    private static StepDecision envsubst(StepFacts facts) {
        Step step = facts.step();
        List<String> operands = FileSetupRule.operands(step.argv().subList(1, step.argv().size()), Set.of());
        if (step.argv().contains("-v") || step.argv().contains("--variables")) {
            return StepDecision.of(StepAction.REVIEW, "envsubst only lists variables here; the result goes without it");
        }
        String input = step.redirects().stream().filter(r -> r.fd() == 0 && !r.writes()).map(Step.Redirect::target)
                .findFirst().orElse(null);
        String output = step.redirects().stream().filter(r -> r.fd() == 1 && r.writes()).map(Step.Redirect::target)
                .findFirst().orElse(null);
        if (input == null || output == null) {
            return StepDecision.of(StepAction.REVIEW, "envsubst without a template file and an output file (it reads "
                    + "the container's input or writes its output): the result goes without it");
        }
        Set<String> variables = new TreeSet<>();
        if (!operands.isEmpty()) {
            variables.addAll(variables(operands.get(0)));  // SHELL-FORMAT: only these are replaced
        } else {
            Optional<TextFile> template = facts.context().readText(input, new Findings("shell", facts.context()));
            if (template.isEmpty()) {
                return StepDecision.of(StepAction.REVIEW, "envsubst renders " + input + ", which the image does not have "
                        + "(an earlier step makes it?): the variables it uses cannot be known; the result goes without it");
            }
            variables.addAll(variables(template.get().content()));
        }
        List<String> unknown = variables.stream().filter(v -> facts.env(v).isEmpty()).toList();
        if (!unknown.isEmpty()) {
            return StepDecision.of(StepAction.BLOCK, "envsubst renders " + output + " from " + input + " with $"
                    + String.join(", $", unknown) + ", which the image's configuration does not set (the deployment"
                    + " does): it would have to run before each start, and envsubst reads and writes its files through"
                    + " shell redirections, which an init step in exec form cannot do. Set "
                    + (unknown.size() == 1 ? "it" : "them") + " in the image's ENV to render it at build time");
        }
        Optional<String> place = facts.deploymentPlace(output);
        if (place.isPresent()) {
            return StepDecision.of(StepAction.BLOCK, "envsubst renders " + output + " into " + place.get()
                    + ", a place the deployment mounts: it would have to run before each start, through shell"
                    + " redirections an init step in exec form cannot do");
        }
        return StepDecision.of(StepAction.BAKE, "envsubst renders " + output + " from " + input
                + (variables.isEmpty() ? " (no variables)" : " with " + describe(facts, variables))
                + ", as the image's configuration sets them: done once at build time (a deployment that sets them"
                + " otherwise does not change the rendered file)");
    }

    private static StepDecision sed(StepFacts facts) {
        Step step = facts.step();
        List<String> args = step.argv().subList(1, step.argv().size());
        boolean inPlace = args.stream().anyMatch(a -> a.equals("-i") || a.startsWith("-i") && !a.startsWith("-i=")
                || a.startsWith("--in-place"));
        List<String> files = new ArrayList<>();
        boolean scriptGiven = args.stream().anyMatch(a -> a.equals("-e") || a.equals("-f") || a.startsWith("--expression")
                || a.startsWith("--file"));
        List<String> operands = FileSetupRule.operands(args, Set.of("-e", "-f", "-l", "--expression", "--file",
                "--line-length"));
        files.addAll(scriptGiven ? operands : operands.isEmpty() ? List.of() : operands.subList(1, operands.size()));
        List<String> written = new ArrayList<>();
        if (inPlace) {
            files.stream().map(facts::path).forEach(written::add);
        }
        step.redirects().stream().filter(Step.Redirect::writes).map(Step.Redirect::target).forEach(written::add);
        if (written.isEmpty()) {
            return StepDecision.of(StepAction.REVIEW, "sed writes no file here (it prints to the container's output): "
                    + "the result goes without it");
        }
        for (String w : written) {
            Optional<String> place = facts.deploymentPlace(w);
            if (place.isPresent()) {
                boolean redirected = step.redirects().stream().anyMatch(r -> r.writes() && r.target().equals(w));
                return redirected
                        ? StepDecision.of(StepAction.BLOCK, "sed writes " + w + " in " + place.get() + ", a place the "
                                + "deployment mounts, through a shell redirection: an init step in exec form cannot do that")
                        : StepDecision.of(StepAction.INIT, "sed edits " + w + " in " + place.get()
                                + ", a place the deployment mounts: it runs before each start");
            }
        }
        return StepDecision.of(StepAction.BAKE, "sed writes " + String.join(", ", written) + " from arguments known "
                + "statically: done once at build time");
    }

    static Set<String> variables(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out;
    }

    private static String describe(StepFacts facts, Set<String> variables) {
        List<String> parts = new ArrayList<>();
        for (String v : variables) {
            parts.add(v + "=" + facts.env(v).orElse(""));
        }
        return String.join(", ", parts);
    }
}
