package dev.distill.engine.detect.shell;

import java.util.List;

/**
 * One token of a shell script.
 *
 * @param text for a word its source text (quotes included), for an operator the operator
 * @param parts for a word its pieces, in order; empty for operators and newlines
 * @param line the 1-based line the token starts on
 */
public record Token(Type type, String text, List<Part> parts, int line) {

    public enum Type { WORD, OPERATOR, NEWLINE }

    /** A piece of a word. */
    public sealed interface Part permits Literal, Param, Substitution {
        boolean quoted();
    }

    /** Literal text, quotes and escapes already removed. */
    public record Literal(String text, boolean quoted) implements Part {
    }

    /** A parameter expansion: {@code $1} has expr {@code 1}, {@code ${1#-}} has expr {@code 1#-}. */
    public record Param(String expr, boolean quoted) implements Part {
    }

    /** A command substitution ({@code $(...)}, backticks) or arithmetic expansion, as written. */
    public record Substitution(String text, boolean quoted) implements Part {
    }

    public Token {
        parts = List.copyOf(parts);
    }

    public boolean isOperator(String op) {
        return type == Type.OPERATOR && text.equals(op);
    }

    /** The word's value when it is all unquoted literal text (how reserved words are recognised), else null. */
    public String plainWord() {
        if (type != Type.WORD || parts.size() != 1 || !(parts.get(0) instanceof Literal l) || l.quoted()) {
            return null;
        }
        return l.text();
    }

    /** The word's value when it has no expansions at all (quoted literals allowed), else null. */
    public String literalValue() {
        if (type != Type.WORD) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (!(p instanceof Literal l)) {
                return null;
            }
            sb.append(l.text());
        }
        return sb.toString();
    }
}
