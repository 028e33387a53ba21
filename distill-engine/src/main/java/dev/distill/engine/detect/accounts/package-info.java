/**
 * Accounts: every user and group the image's programs run as or switch to (the image USER, each program's
 * user, the accounts its profile names: php-fpm's pool user, nginx's {@code user}...) looked up in the image's
 * {@code /etc/passwd} and {@code /etc/group}, and the places each program's profile says it writes (pid files,
 * sockets, temp, log and cache directories) with who writes them and their current owner and mode.
 */
package dev.distill.engine.detect.accounts;
