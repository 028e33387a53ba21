package dev.distill.service.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the Prometheus text format a service serves at {@code /q/metrics}, for assertions on single series. */
public final class PrometheusText {

    /** One sample: the metric name, its labels and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private PrometheusText() {
    }

    public static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int close = line.lastIndexOf('}');
                String body = line.substring(brace + 1, close);
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    String key = body.substring(i, eq).trim();
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2; // past ="
                    while (body.charAt(j) != '"') {
                        if (body.charAt(j) == '\\') {
                            j++;
                        }
                        value.append(body.charAt(j++));
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    while (i < body.length() && (body.charAt(i) == ',' || body.charAt(i) == ' ')) {
                        i++;
                    }
                }
                space = line.indexOf(' ', close);
            } else {
                name = line.substring(0, line.indexOf(' '));
                space = line.indexOf(' ');
            }
            String rest = line.substring(space + 1).trim();
            String number = rest.contains(" ") ? rest.substring(0, rest.indexOf(' ')) : rest;
            out.add(new Sample(name, labels, parseValue(number)));
        }
        return out;
    }

    /** The samples of a metric whose labels include the given pairs. */
    public static List<Sample> find(List<Sample> samples, String name, String... labelPairs) {
        return samples.stream().filter(s -> s.name().equals(name) && matches(s.labels(), labelPairs)).toList();
    }

    /** The value of the one sample that matches, or -1 when none does. */
    public static double value(List<Sample> samples, String name, String... labelPairs) {
        List<Sample> found = find(samples, name, labelPairs);
        if (found.size() > 1) {
            throw new AssertionError("several samples of " + name + " match " + List.of(labelPairs) + ": " + found);
        }
        return found.isEmpty() ? -1 : found.get(0).value();
    }

    private static boolean matches(Map<String, String> labels, String... pairs) {
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
                return false;
            }
        }
        return true;
    }

    private static double parseValue(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }
}
