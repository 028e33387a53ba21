/**
 * supervisord: its configuration found from the command line ({@code -c}) or the standard locations, read as
 * supervisor reads it (INI with inline comments, {@code [include] files=} globs, {@code %(here)s} and
 * {@code %(ENV_X)s} expansion), and each {@code [program:x]} with its command split by shlex rules.
 */
package dev.distill.engine.detect.supervisord;
