package dev.distill.engine.structure;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The suite's regular expressions. As in the reference runner, a pattern is searched anywhere in the text
 * (not anchored), {@code .} stops at a newline and {@code ^}/{@code $} mean the text's ends unless the pattern
 * turns on {@code (?m)} or {@code (?s)}; the common RE2 syntax means the same in Java.
 */
final class Regexes {

    private Regexes() {
    }

    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regular expression '" + regex + "': " + e.getDescription(), e);
        }
    }

    static void compileAll(List<String> regexes) {
        regexes.forEach(Regexes::compile);
    }

    static boolean found(String regex, String text) {
        return compile(regex).matcher(text).find();
    }
}
