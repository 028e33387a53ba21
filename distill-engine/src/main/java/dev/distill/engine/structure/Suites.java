package dev.distill.engine.structure;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The validation the suite's records share. */
final class Suites {

    private Suites() {
    }

    static String name(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("every test needs a name, got '" + name + "'");
        }
        return name;
    }

    static String path(String path, String test) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("test '" + test + "' needs a path");
        }
        return path;
    }

    static <T> List<T> list(List<T> values) {
        if (values == null) {
            return List.of();
        }
        if (values.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("a list contains an empty entry: " + values);
        }
        return List.copyOf(values);
    }

    static List<String> nonEmpty(List<String> values, String field) {
        List<String> out = list(values);
        if (out.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException(field + " contains an empty string: " + out);
        }
        return out;
    }

    static List<String> regexes(List<String> values) {
        List<String> out = list(values);
        Regexes.compileAll(out);
        return out;
    }

    static List<List<String>> argvs(List<List<String>> commands, String field, String test) {
        List<List<String>> out = new ArrayList<>();
        for (List<String> argv : list(commands)) {
            if (argv.isEmpty()) {
                throw new IllegalArgumentException(field + " of command test '" + test + "' has an empty command");
            }
            out.add(list(argv));
        }
        return List.copyOf(out);
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }
}
