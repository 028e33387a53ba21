package dev.distill.engine.wiring;

import java.util.Locale;

/** A port a container listens on. */
public record ContainerPort(int port, Protocol protocol) implements Comparable<ContainerPort> {

    public ContainerPort {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("a port must be 1-65535, got " + port);
        }
        if (protocol == null) {
            throw new IllegalArgumentException("port " + port + " needs a protocol");
        }
    }

    /** Parses an OCI exposed port: {@code 8080/tcp}, {@code 53/udp}, or {@code 8080} (TCP). */
    public static ContainerPort parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("not a port: null");
        }
        String s = text.trim();
        int slash = s.indexOf('/');
        String number = slash < 0 ? s : s.substring(0, slash);
        Protocol protocol;
        try {
            protocol = slash < 0 ? Protocol.TCP : Protocol.valueOf(s.substring(slash + 1).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a port: '" + text + "' (the protocol must be tcp, udp or sctp)");
        }
        if (!number.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("not a port: '" + text + "' (expected <number>[/tcp|udp|sctp])");
        }
        return new ContainerPort(Integer.parseInt(number), protocol);
    }

    /** Ports below 1024 need CAP_NET_BIND_SERVICE, or the unprivileged-port sysctl, to bind. */
    public boolean privileged() {
        return port < 1024;
    }

    @Override
    public int compareTo(ContainerPort o) {
        int c = Integer.compare(port, o.port);
        return c != 0 ? c : protocol.compareTo(o.protocol);
    }

    /** {@code 8080/tcp}. */
    @Override
    public String toString() {
        return port + "/" + protocol.lowerCase();
    }
}
