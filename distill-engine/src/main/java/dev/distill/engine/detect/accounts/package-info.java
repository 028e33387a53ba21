/**
 * Accounts: every user and group the image's programs run as (the image USER, supervisord {@code user=},
 * php-fpm pool {@code user}/{@code group}, nginx {@code user}) looked up in the image's {@code /etc/passwd}
 * and {@code /etc/group}, and the places those programs write (pid files, sockets, temp, log and cache
 * directories named by their configurations) with their current owner and mode.
 */
package dev.distill.engine.detect.accounts;
