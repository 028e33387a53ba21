package dev.distill.engine.detect.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * A tokenizer for POSIX sh: words (with single and double quotes, backslash escapes, parameter expansions,
 * command substitutions and backticks kept as parts), operators, newlines; comments and line continuations
 * dropped; here-document bodies skipped. It does not parse the grammar.
 */
public final class ShellLexer {

    private static final String[] OPERATORS = {
        "<<-", "&&", "||", ";;", "<<", ">>", "<&", ">&", "<>", ">|", ";", "&", "|", "(", ")", "<", ">"
    };

    private final String src;
    private int pos;
    private int line = 1;
    private final List<Token> tokens = new ArrayList<>();
    private final List<String[]> pendingHeredocs = new ArrayList<>();  // {delimiter, stripTabs}

    private ShellLexer(String src) {
        this.src = src;
    }

    public static List<Token> tokenize(String script) throws ShellSyntaxException {
        ShellLexer lexer = new ShellLexer(script);
        lexer.run();
        return List.copyOf(lexer.tokens);
    }

    private void run() throws ShellSyntaxException {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '\\' && peek(1) == '\n') {
                pos += 2;
                line++;
            } else if (c == '#') {
                while (pos < src.length() && src.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '\n') {
                tokens.add(new Token(Token.Type.NEWLINE, "\n", List.of(), line));
                pos++;
                line++;
                skipHeredocs();
            } else if (operatorAt() != null) {
                String op = operatorAt();
                tokens.add(new Token(Token.Type.OPERATOR, op, List.of(), line));
                pos += op.length();
                if (op.equals("<<") || op.equals("<<-")) {
                    heredocDelimiter(op.equals("<<-"));
                }
            } else {
                word();
            }
        }
        if (!pendingHeredocs.isEmpty()) {
            throw new ShellSyntaxException(line, "here-document delimited by '" + pendingHeredocs.get(0)[0] + "' never ends");
        }
    }

    private char peek(int ahead) {
        int i = pos + ahead;
        return i < src.length() ? src.charAt(i) : '\0';
    }

    private String operatorAt() {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                return op;
            }
        }
        return null;
    }

    private void heredocDelimiter(boolean stripTabs) throws ShellSyntaxException {
        while (pos < src.length() && (src.charAt(pos) == ' ' || src.charAt(pos) == '\t')) {
            pos++;
        }
        int before = tokens.size();
        word();
        Token w = tokens.get(before);
        StringBuilder delim = new StringBuilder();
        for (Token.Part p : w.parts()) {
            delim.append(p instanceof Token.Literal l ? l.text() : p instanceof Token.Param pa ? "$" + pa.expr() : "");
        }
        pendingHeredocs.add(new String[] {delim.toString(), String.valueOf(stripTabs)});
    }

    private void skipHeredocs() throws ShellSyntaxException {
        for (String[] doc : pendingHeredocs) {
            int start = line;
            while (true) {
                if (pos >= src.length()) {
                    throw new ShellSyntaxException(start, "here-document delimited by '" + doc[0] + "' never ends");
                }
                int eol = src.indexOf('\n', pos);
                String text = eol < 0 ? src.substring(pos) : src.substring(pos, eol);
                pos = eol < 0 ? src.length() : eol + 1;
                line++;
                if (Boolean.parseBoolean(doc[1])) {
                    text = text.replaceFirst("^\t+", "");
                }
                if (text.equals(doc[0])) {
                    break;
                }
            }
        }
        pendingHeredocs.clear();
    }

    private void word() throws ShellSyntaxException {
        int startLine = line;
        int start = pos;
        List<Token.Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || (operatorAt() != null)) {
                break;
            }
            if (c == '\\') {
                if (peek(1) == '\n') {
                    pos += 2;
                    line++;
                    continue;
                }
                if (pos + 1 < src.length()) {
                    flush(parts, lit, false);
                    parts.add(new Token.Literal(String.valueOf(src.charAt(pos + 1)), true));
                    pos += 2;
                } else {
                    pos++;
                }
            } else if (c == '\'') {
                flush(parts, lit, false);
                int end = src.indexOf('\'', pos + 1);
                if (end < 0) {
                    throw new ShellSyntaxException(line, "unterminated single quote");
                }
                String text = src.substring(pos + 1, end);
                line += count(text, '\n');
                parts.add(new Token.Literal(text, true));
                pos = end + 1;
            } else if (c == '"') {
                flush(parts, lit, false);
                pos++;
                doubleQuoted(parts);
            } else if (c == '$' || c == '`') {
                Token.Part p = dollarOrBacktick(false);
                if (p == null) {
                    lit.append(c);
                    pos++;
                } else {
                    flush(parts, lit, false);
                    parts.add(p);
                }
            } else {
                lit.append(c);
                pos++;
            }
        }
        flush(parts, lit, false);
        tokens.add(new Token(Token.Type.WORD, src.substring(start, pos), merge(parts), startLine));
    }

    private void doubleQuoted(List<Token.Part> parts) throws ShellSyntaxException {
        int startLine = line;
        StringBuilder lit = new StringBuilder();
        boolean any = false;
        while (true) {
            if (pos >= src.length()) {
                throw new ShellSyntaxException(startLine, "unterminated double quote");
            }
            char c = src.charAt(pos);
            if (c == '"') {
                pos++;
                break;
            }
            if (c == '\\' && pos + 1 < src.length() && "$`\"\\\n".indexOf(src.charAt(pos + 1)) >= 0) {
                if (src.charAt(pos + 1) == '\n') {
                    line++;
                } else {
                    lit.append(src.charAt(pos + 1));
                }
                pos += 2;
            } else if (c == '$' || c == '`') {
                Token.Part p = dollarOrBacktick(true);
                if (p == null) {
                    lit.append(c);
                    pos++;
                } else {
                    flush(parts, lit, true);
                    parts.add(p);
                    any = true;
                }
            } else {
                if (c == '\n') {
                    line++;
                }
                lit.append(c);
                pos++;
            }
        }
        if (lit.length() > 0 || !any) {
            parts.add(new Token.Literal(lit.toString(), true));  // "" is an empty quoted word, not nothing
        }
    }

    /** At a {@code $} or backtick: the expansion, or null when the {@code $} is literal. */
    private Token.Part dollarOrBacktick(boolean quoted) throws ShellSyntaxException {
        char c = src.charAt(pos);
        if (c == '`') {
            int end = pos + 1;
            while (end < src.length() && src.charAt(end) != '`') {
                end += src.charAt(end) == '\\' ? 2 : 1;
            }
            if (end >= src.length()) {
                throw new ShellSyntaxException(line, "unterminated backquote");
            }
            String text = src.substring(pos, end + 1);
            line += count(text, '\n');
            pos = end + 1;
            return new Token.Substitution(text, quoted);
        }
        char n = peek(1);
        if (n == '{') {
            int end = matching(pos + 1, '{', '}');
            String expr = src.substring(pos + 2, end);
            pos = end + 1;
            return new Token.Param(expr, quoted);
        }
        if (n == '(') {
            int end = matching(pos + 1, '(', ')');
            String text = src.substring(pos, end + 1);
            line += count(text, '\n');
            pos = end + 1;
            return new Token.Substitution(text, quoted);
        }
        if (Character.isDigit(n) || "@*#?$!-".indexOf(n) >= 0 && n != '\0') {
            pos += 2;
            return new Token.Param(String.valueOf(n), quoted);
        }
        if (Character.isLetter(n) || n == '_') {
            int end = pos + 1;
            while (end < src.length() && (Character.isLetterOrDigit(src.charAt(end)) || src.charAt(end) == '_')) {
                end++;
            }
            String name = src.substring(pos + 1, end);
            pos = end;
            return new Token.Param(name, quoted);
        }
        return null;
    }

    /** The index of the bracket closing the one at {@code open}, skipping quoted text. */
    private int matching(int open, char o, char cl) throws ShellSyntaxException {
        int depth = 0;
        for (int i = open; i < src.length(); i++) {
            char c = src.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '\'' && o == '(') {
                int end = src.indexOf('\'', i + 1);
                if (end < 0) {
                    break;
                }
                i = end;
            } else if (c == o) {
                depth++;
            } else if (c == cl && --depth == 0) {
                return i;
            }
        }
        throw new ShellSyntaxException(line, "unterminated " + (o == '{' ? "${" : "$("));
    }

    private static void flush(List<Token.Part> parts, StringBuilder lit, boolean quoted) {
        if (lit.length() > 0) {
            parts.add(new Token.Literal(lit.toString(), quoted));
            lit.setLength(0);
        }
    }

    /** Joins adjacent literals of the same quoting, so {@code do\ne} reads as one literal piece where it can. */
    private static List<Token.Part> merge(List<Token.Part> parts) {
        List<Token.Part> out = new ArrayList<>();
        for (Token.Part p : parts) {
            if (!out.isEmpty() && p instanceof Token.Literal l && out.get(out.size() - 1) instanceof Token.Literal prev
                    && prev.quoted() == l.quoted()) {
                out.set(out.size() - 1, new Token.Literal(prev.text() + l.text(), l.quoted()));
            } else {
                out.add(p);
            }
        }
        return out;
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }
}
