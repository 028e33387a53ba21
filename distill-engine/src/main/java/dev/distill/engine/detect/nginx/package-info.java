/**
 * nginx: its configuration (from {@code -c} or {@code /etc/nginx/nginx.conf}) read with a small tokenizer for
 * nginx's syntax (directives, blocks, quotes, comments), {@code include} globs expanded relative to the
 * configuration's directory, {@code -g} directives from the command line, and what a migration needs from
 * it: dlopened {@code load_module}s, {@code user}, {@code pid}, logs, document roots, unix sockets it talks
 * to ({@code fastcgi_pass unix:...}), listen ports and temp paths.
 */
package dev.distill.engine.detect.nginx;
