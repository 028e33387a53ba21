package dev.distill.engine.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ShebangTest {

    private static Optional<Shebang> parse(String s) {
        return Shebang.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void interpreterAndTheOneArgumentLinuxPasses() {
        assertThat(parse("#!/bin/sh -e\nset -x\n")).contains(new Shebang("/bin/sh", "-e"));
        assertThat(parse("#! /bin/bash\n")).contains(new Shebang("/bin/bash", null));
        assertThat(parse("#!/usr/bin/awk -f -v x=1\r\n")).contains(new Shebang("/usr/bin/awk", "-f -v x=1"));
        assertThat(parse("#!/bin/sh")).contains(new Shebang("/bin/sh", null));
        assertThat(parse("#!/bin/sh -e").orElseThrow().program()).contains("/bin/sh");
        assertThat(parse("#!/bin/sh -e").orElseThrow().usesEnv()).isFalse();
    }

    @Test
    void envIsRecognised() {
        Shebang php = parse("#!/usr/bin/env php\n<?php echo 1;").orElseThrow();
        assertThat(php.usesEnv()).isTrue();
        assertThat(php.program()).contains("php");
        assertThat(php.programArguments()).isEmpty();
        Shebang split = parse("#!/usr/bin/env -S php -n -d x=1\n").orElseThrow();
        assertThat(split.program()).contains("php");
        assertThat(split.programArguments()).containsExactly("-n", "-d", "x=1");
        // Without -S env receives "python3 -u" as one word, as Linux passes it.
        assertThat(parse("#!/usr/bin/env python3 -u\n").orElseThrow().program()).contains("python3 -u");
        assertThat(parse("#!/usr/bin/env\n").orElseThrow().program()).isEmpty();
    }

    @Test
    void notAShebang() {
        assertThat(parse("")).isEmpty();
        assertThat(parse("#")).isEmpty();
        assertThat(parse("# comment\n")).isEmpty();
        assertThat(parse("#!   \n")).isEmpty();
        assertThat(Shebang.parse(new byte[] {0x7f, 'E', 'L', 'F'})).isEmpty();
        // Only the first 256 bytes count, as in the kernel.
        assertThat(parse("#!/bin/" + "x".repeat(300)).orElseThrow().interpreter()).hasSize(Shebang.MAX_LINE - 2);
    }
}
