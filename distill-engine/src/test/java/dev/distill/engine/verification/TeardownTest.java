package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TeardownTest {

    @Test
    void anImmediateTeardownClosesWhatItIsHandedAndSaysWhenThatFails() throws IOException {
        List<String> closed = new ArrayList<>();
        Teardown now = Teardown.immediate();
        now.hand(() -> closed.add("a"));
        assertThat(closed).containsExactly("a");
        assertThatThrownBy(() -> now.hand(() -> {
            throw new IOException("busy mount");
        })).hasMessage("busy mount");
        assertThat(now.closeAll()).isZero();
    }

    @Test
    void aDeferredTeardownKeepsWhatItIsHandedUntilCloseAllWhichTriesEachAndCountsFailures() throws IOException {
        List<String> closed = new ArrayList<>();
        Teardown later = Teardown.deferred();
        later.hand(() -> closed.add("source"));
        later.hand(() -> {
            throw new IOException("busy mount");
        });
        later.hand(() -> closed.add("result"));
        assertThat(closed).as("nothing closed before the verdict").isEmpty();

        assertThat(later.closeAll()).isEqualTo(1);
        assertThat(closed).containsExactly("source", "result");
        assertThat(later.closeAll()).as("each closed once").isZero();
        assertThat(closed).hasSize(2);
    }
}
