package dev.distill.engine.detect.supervisord;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line like Python's {@code shlex.split} in POSIX mode, which is how supervisor splits
 * {@code command=}: whitespace separates words; single quotes keep everything; double quotes keep
 * everything but let a backslash escape {@code "} and {@code \}; a backslash outside quotes escapes the next
 * character; {@code #} is an ordinary character.
 */
public final class Shlex {

    private Shlex() {
    }

    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else if (c == '\'') {
                int end = s.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("No closing quotation in: " + s);
                }
                cur.append(s, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '"') {
                int j = i + 1;
                for (; j < s.length() && s.charAt(j) != '"'; j++) {
                    if (s.charAt(j) == '\\' && j + 1 < s.length() && (s.charAt(j + 1) == '"' || s.charAt(j + 1) == '\\')) {
                        j++;
                    }
                    cur.append(s.charAt(j));
                }
                if (j >= s.length()) {
                    throw new IllegalArgumentException("No closing quotation in: " + s);
                }
                i = j;
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 >= s.length()) {
                    throw new IllegalArgumentException("No escaped character in: " + s);
                }
                cur.append(s.charAt(++i));
                inWord = true;
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(cur.toString());
        }
        return out;
    }
}
