package dev.distill.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FifosTest {

    @TempDir
    Path dir;

    @Test
    void madeWithTheModeGivenWhateverTheUmask() throws IOException {
        Path fifo = dir.resolve("gate");
        Fifos.make(fifo, "0666");
        assertThat(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .isOther()).isTrue();
        assertThat(Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0010666);
    }

    @Test
    void aFifoThatCannotBeMadeNamesItAndWhy() {
        Path fifo = dir.resolve("missing/gate");
        assertThatThrownBy(() -> Fifos.make(fifo, "0600")).isInstanceOf(IOException.class)
                .hasMessageContaining(fifo.toString()).hasMessageContaining("No such file");
    }

    @Test
    void aModeThatIsNotOctalIsRefusedNamingIt() {
        assertThatThrownBy(() -> Fifos.make(dir.resolve("x"), "rw-")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'rw-'");
    }
}
