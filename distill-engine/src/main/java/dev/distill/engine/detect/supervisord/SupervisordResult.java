package dev.distill.engine.detect.supervisord;

import java.util.List;
import java.util.Map;

/**
 * supervisord's configuration as far as a migration needs it.
 *
 * @param mainConfig the configuration file supervisord reads, {@code ""} when none was found
 * @param configFiles every file read, the main one first, then includes in order
 * @param daemon the {@code [supervisord]} section
 * @param programs every {@code [program:x]} (and {@code [fcgi-program:x]}, {@code [eventlistener:x]}) in file order
 * @param unixSocket the {@code [unix_http_server] file}, {@code ""} when none
 */
public record SupervisordResult(String mainConfig, List<String> configFiles, Daemon daemon, List<Program> programs,
                                String unixSocket) {

    public static final SupervisordResult NONE = new SupervisordResult("", List.of(), Daemon.DEFAULT, List.of(), "");

    public SupervisordResult {
        configFiles = List.copyOf(configFiles);
        programs = List.copyOf(programs);
    }

    public boolean found() {
        return !mainConfig.isEmpty() || !programs.isEmpty();
    }

    /** The {@code [supervisord]} section: values as written, {@code ""} when unset. */
    public record Daemon(String user, String logfile, String pidfile, boolean nodaemon, String childlogdir) {
        public static final Daemon DEFAULT = new Daemon("", "", "", false, "");
    }

    /**
     * One program.
     *
     * @param kind {@code program}, {@code fcgi-program} or {@code eventlistener}
     * @param file the configuration file it is declared in, {@code line} its header line
     * @param command the command split like supervisor splits it, after expansion
     * @param executable where argv[0] resolves in the image, {@code ""} when it does not
     * @param user {@code ""} when unset (the process keeps supervisord's user)
     * @param stopSignal {@code stopsignal} as written ({@code QUIT}), {@code ""} when unset (supervisord sends TERM)
     */
    public record Program(String name, String kind, String file, int line, List<String> command, String executable,
                          String user, String directory, Map<String, String> environment, String autorestart,
                          boolean autostart, int priority, int numprocs, String stdoutLogfile, String stderrLogfile,
                          boolean redirectStderr, String stopSignal) {
        public Program {
            command = List.copyOf(command);
            environment = Map.copyOf(environment);
        }

        /** The basename of argv[0] ({@code php-fpm}), {@code ""} without a command. */
        public String programName() {
            return command.isEmpty() ? "" : command.get(0).substring(command.get(0).lastIndexOf('/') + 1);
        }
    }
}
