package dev.distill.engine.detect.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.plan.Probe;
import java.util.List;
import org.junit.jupiter.api.Test;

/** redis-server as Debian's and the official image's configurations start it. */
class RedisProgramTest {

    private static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

    @Test
    void itsConfigurationAndCommandLineSayWhereItListensAndWrites() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/usr/bin/redis-server", ELF, 0755)
                .file("/etc/redis/redis.conf", """
                        # Debian's, shortened
                        bind 127.0.0.1 -::1
                        port 6379
                        daemonize no
                        pidfile /run/redis/redis-server.pid
                        logfile ""
                        dir /var/lib/redis
                        include /etc/redis/local.conf
                        """)
                .file("/etc/redis/local.conf", "unixsocket /run/redis/redis.sock\n")
                .build();
        Launch launch = new Launch(List.of("/usr/bin/redis-server", "/etc/redis/redis.conf", "--port", "6380"),
                "/usr/bin/redis-server", "", "redis", "/", List.of(), "test");
        ProgramProfile p = new RedisProgram().profile(launch, new DetectionContext(fs, ImageConfig.EMPTY)).orElseThrow();

        assertThat(p.carry()).extracting(ProgramProfile.Carry::path).containsExactly("/etc/redis/redis.conf",
                "/etc/redis/local.conf");
        assertThat(p.listens()).extracting(ProgramProfile.Listen::port).containsExactly(6380, 0);
        assertThat(p.probes()).containsExactly(new Probe(Probe.Kind.TCP, 6380, ""));
        assertThat(p.places()).extracting(ProgramProfile.Place::path).containsExactly("/run/redis/redis.sock",
                "/var/lib/redis", "/run/redis/redis-server.pid");
        assertThat(p.notes()).isEmpty();
        assertThat(new RedisProgram().profile(new Launch(List.of("/usr/bin/redis-cli"), "/usr/bin/redis-cli", "", "", "/",
                List.of(), "test"), new DetectionContext(fs, ImageConfig.EMPTY))).isEmpty();
    }
}
