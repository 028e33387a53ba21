package dev.distill.engine.detect.nginx;

import java.util.ArrayList;
import java.util.List;

/**
 * nginx's configuration syntax: {@code name arg...;} and {@code name arg... { ... }}, arguments bare or in
 * single or double quotes (backslash escapes), {@code #} comments to the end of the line. Variables stay as
 * written.
 */
public final class NginxConf {

    /**
     * One directive.
     *
     * @param block the directives inside its braces, null for a simple directive
     * @param file the file and {@code line} it is written in
     */
    public record Directive(String name, List<String> args, List<Directive> block, String file, int line) {
        public Directive {
            args = List.copyOf(args);
            block = block == null ? null : List.copyOf(block);
        }

        public String arg(int i) {
            return i < args.size() ? args.get(i) : "";
        }
    }

    /** A token: text, whether it was quoted, its line. */
    record Tok(String text, boolean quoted, int line) {
        boolean is(String s) {
            return !quoted && text.equals(s);
        }
    }

    private NginxConf() {
    }

    static List<Tok> tokenize(String text) {
        List<Tok> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == ';' || c == '{' || c == '}') {
                out.add(new Tok(String.valueOf(c), false, line));
                i++;
            } else if (c == '"' || c == '\'') {
                int start = line;
                StringBuilder sb = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("line " + start + ": unterminated quote");
                    }
                    char d = text.charAt(i);
                    if (d == c) {
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < n) {
                        char e = text.charAt(i + 1);
                        sb.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                        i += 2;
                        continue;
                    }
                    if (d == '\n') {
                        line++;
                    }
                    sb.append(d);
                    i++;
                }
                out.add(new Tok(sb.toString(), true, start));
            } else {
                StringBuilder sb = new StringBuilder();
                while (i < n) {
                    char d = text.charAt(i);
                    if (Character.isWhitespace(d) || d == ';' || d == '{' || d == '}') {
                        // ${var} keeps its braces
                        if (d == '{' && sb.length() > 0 && sb.charAt(sb.length() - 1) == '$') {
                            int end = text.indexOf('}', i);
                            if (end > 0) {
                                sb.append(text, i, end + 1);
                                i = end + 1;
                                continue;
                            }
                        }
                        break;
                    }
                    if (d == '\\' && i + 1 < n) {
                        sb.append(text.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    sb.append(d);
                    i++;
                }
                out.add(new Tok(sb.toString(), false, line));
            }
        }
        return out;
    }

    /** Parses one file's text without following includes. */
    public static List<Directive> parse(String text, String file) {
        List<Tok> toks = tokenize(text);
        int[] pos = {0};
        List<Directive> out = block(toks, pos, file, false);
        return out;
    }

    private static List<Directive> block(List<Tok> toks, int[] pos, String file, boolean nested) {
        List<Directive> out = new ArrayList<>();
        while (pos[0] < toks.size()) {
            Tok t = toks.get(pos[0]);
            if (t.is("}")) {
                if (!nested) {
                    throw new IllegalArgumentException("line " + t.line() + ": unexpected '}'");
                }
                pos[0]++;
                return out;
            }
            if (t.is(";") || t.is("{")) {
                throw new IllegalArgumentException("line " + t.line() + ": unexpected '" + t.text() + "'");
            }
            String name = t.text();
            int line = t.line();
            pos[0]++;
            List<String> args = new ArrayList<>();
            while (true) {
                if (pos[0] >= toks.size()) {
                    throw new IllegalArgumentException("line " + line + ": directive '" + name + "' has no ending ';' or '{'");
                }
                Tok a = toks.get(pos[0]++);
                if (a.is(";")) {
                    out.add(new Directive(name, args, null, file, line));
                    break;
                }
                if (a.is("{")) {
                    out.add(new Directive(name, args, block(toks, pos, file, true), file, line));
                    break;
                }
                if (a.is("}")) {
                    throw new IllegalArgumentException("line " + a.line() + ": unexpected '}'");
                }
                args.add(a.text());
            }
        }
        if (nested) {
            throw new IllegalArgumentException("unexpected end of file, expecting '}'");
        }
        return out;
    }
}
