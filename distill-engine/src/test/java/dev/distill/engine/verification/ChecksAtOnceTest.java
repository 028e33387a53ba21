package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The result images' checks leave half the cores to the runs beside them, and never hold more than two ELF passes. */
class ChecksAtOnceTest {

    @Test
    void halfTheCoresAtLeastOneAtMostTwo() {
        assertThat(MigrationVerifier.checksAtOnce(1)).isEqualTo(1);
        assertThat(MigrationVerifier.checksAtOnce(2)).as("a 2-core host keeps a core for the traced starts").isEqualTo(1);
        assertThat(MigrationVerifier.checksAtOnce(4)).isEqualTo(2);
        assertThat(MigrationVerifier.checksAtOnce(64)).isEqualTo(2);
    }
}
