/**
 * Laravel's {@code artisan} console as an entrypoint runs it before the program: which commands write caches from
 * the code and the configuration (done once at build time) and which need the running environment (migrations and
 * seeds against the deployment's database, the deployment's cache store), as a
 * {@link dev.distill.engine.detect.shell.StepRule}.
 */
package dev.distill.engine.detect.laravel;
