/**
 * PHP: the php.ini and scan directories each installation reads (official image layout under
 * {@code /usr/local/etc/php}, Debian's {@code /etc/php/<ver>/<sapi>}, Alpine's {@code /etc/php<ver>}, the
 * {@code PHP_INI_SCAN_DIR} variable, {@code -c} on the command line), the {@code extension=} and
 * {@code zend_extension=} lines resolved against {@code extension_dir} to the modules PHP dlopens, and the
 * php-fpm configuration: {@code php-fpm.conf}, pool {@code include=} globs, each pool's listen address,
 * user, group, ping path.
 */
package dev.distill.engine.detect.php;
