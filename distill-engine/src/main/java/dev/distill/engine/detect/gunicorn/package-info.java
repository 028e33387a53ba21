/**
 * gunicorn, the Python WSGI server: the addresses it binds ({@code --bind}, {@code GUNICORN_CMD_ARGS}, {@code PORT},
 * its configuration file), the files it writes and its configuration. The Python it runs on is the python kind's.
 */
package dev.distill.engine.detect.gunicorn;
