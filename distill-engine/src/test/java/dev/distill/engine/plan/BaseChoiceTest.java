package dev.distill.engine.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BaseChoiceTest {

    @Test
    void staticAndMuslProgramsRideOnTheLibcFreeBase() {
        assertThat(BaseChoice.choose(Libc.NONE, List.of()).base()).isEqualTo(BaseImage.STATIC);
        BaseChoice musl = BaseChoice.choose(Libc.MUSL, List.of("libc.musl-x86_64.so.1", "libstdc++.so.6"));
        assertThat(musl.base()).isEqualTo(BaseImage.STATIC);
        assertThat(musl.reason()).contains("carries its own loader");
    }

    @Test
    void glibcProgramsTakeBaseUnlessTheyLinkTheGccRuntime() {
        assertThat(BaseChoice.choose(Libc.GLIBC, List.of("libc.so.6", "libxml2.so.2")).base()).isEqualTo(BaseImage.BASE);
        BaseChoice cc = BaseChoice.choose(Libc.GLIBC, List.of("libc.so.6", "libstdc++.so.6", "libgcc_s.so.1"));
        assertThat(cc.base()).isEqualTo(BaseImage.CC);
        assertThat(cc.reason()).contains("libgcc_s.so.1, libstdc++.so.6");
    }

    @Test
    void oneBlockedProgramBlocksTheImage() {
        assertThat(Classification.MIGRATABLE.and(Classification.NEEDS_REVIEW)).isEqualTo(Classification.NEEDS_REVIEW);
        assertThat(Classification.BLOCKED.and(Classification.MIGRATABLE)).isEqualTo(Classification.BLOCKED);
    }
}
