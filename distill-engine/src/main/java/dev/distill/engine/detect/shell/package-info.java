/**
 * The container's command: ENTRYPOINT and CMD combined as Docker combines them, argv[0] resolved through the
 * image's PATH, and shell wrappers (scripts with a shell shebang, {@code sh -c "..."}) followed statically
 * when they are trivial exec wrappers, or reported as needing a shell, with the line, when they are not.
 * {@link dev.distill.engine.detect.shell.ShellLexer} tokenizes POSIX sh (quotes, escapes, comments, line
 * continuations, here-documents); {@link dev.distill.engine.detect.shell.ScriptAnalyzer} follows the tokens
 * with the known arguments; it is not a shell.
 */
package dev.distill.engine.detect.shell;
