package dev.distill.engine.detect.shell;

/** Text the tokenizer cannot read as POSIX sh (an unterminated quote or substitution). */
public final class ShellSyntaxException extends Exception {

    private final int line;

    public ShellSyntaxException(int line, String message) {
        super("line " + line + ": " + message);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
