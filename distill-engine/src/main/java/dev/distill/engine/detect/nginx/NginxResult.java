package dev.distill.engine.detect.nginx;

import java.util.List;

/**
 * nginx's configuration as a migration needs it. Paths are absolute (relative ones resolved against the
 * prefix, includes against the configuration's directory).
 *
 * @param mainConfig the configuration file, {@code ""} when nginx is neither run nor configured
 * @param prefix the prefix relative paths resolve against
 * @param prefixGuessed whether the prefix is a guess from the layout (no {@code -p} on the command line)
 * @param configFiles every file read, main first, includes in order
 * @param user the {@code user} directive's user ({@code ""} when unset: the compiled-in default applies)
 * @param pid the {@code pid} directive, null when unset (the compiled-in default applies)
 * @param daemonOff whether nginx stays in the foreground ({@code daemon off} in the config or {@code -g})
 * @param tempPaths {@code *_temp_path} and {@code *_cache_path} directories
 */
public record NginxResult(String mainConfig, String prefix, boolean prefixGuessed, List<String> configFiles,
                          String user, String group, Ref pid, boolean daemonOff, List<Ref> modules,
                          List<Ref> errorLogs, List<Ref> accessLogs, List<Ref> roots, List<Ref> upstreamSockets,
                          List<Listen> listens, List<Ref> tempPaths, List<Ref> files) {

    public static final NginxResult NONE = new NginxResult("", "", false, List.of(), "", "", null, false, List.of(),
            List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

    public NginxResult {
        configFiles = List.copyOf(configFiles);
        modules = List.copyOf(modules);
        errorLogs = List.copyOf(errorLogs);
        accessLogs = List.copyOf(accessLogs);
        roots = List.copyOf(roots);
        upstreamSockets = List.copyOf(upstreamSockets);
        listens = List.copyOf(listens);
        tempPaths = List.copyOf(tempPaths);
        files = List.copyOf(files);
    }

    public boolean found() {
        return !mainConfig.isEmpty();
    }

    /**
     * A path the configuration names, where.
     *
     * @param directive the directive naming it ({@code fastcgi_pass}, {@code client_body_temp_path})
     * @param path absolute, or as written for special values ({@code stderr}, {@code off}, {@code syslog:...})
     */
    public record Ref(String directive, String path, String file, int line) {
        /** Whether this is a device or stream the runtime provides rather than a file to write. */
        public boolean isStream() {
            return path.startsWith("/dev/") || path.startsWith("/proc/self/fd/") || path.equals("stderr")
                    || path.startsWith("syslog:") || path.equals("off") || path.startsWith("memory:");
        }
    }

    /**
     * One {@code listen}.
     *
     * @param port the TCP port, 0 for a unix socket
     * @param socket the unix socket path, {@code ""} for TCP
     */
    public record Listen(String address, int port, String socket, String file, int line) {
    }
}
