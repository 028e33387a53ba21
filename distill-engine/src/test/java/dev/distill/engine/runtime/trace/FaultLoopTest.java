package dev.distill.engine.runtime.trace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What counts as an init stuck on its own fault in strace's output, and what does not. */
class FaultLoopTest {

    private static final String SEGV = "7 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---";

    @Test
    void theSameFaultOverAndOverToTheInitIsALoopWhateverOtherProcessesDo() {
        FaultLoop loop = new FaultLoop(7);
        for (int i = 1; i < FaultLoop.REPEATS; i++) {
            assertThat(loop.line(SEGV)).isNull();
            assertThat(loop.line("8 openat(AT_FDCWD</>, \"/x\", O_RDONLY) = 3</x>")).isNull();
        }
        assertThat(loop.line(SEGV)).isEqualTo("SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}");
    }

    @Test
    void aHandledFaultMakesProgressAndOtherProcessesFaultsAreTheirOwn() {
        FaultLoop loop = new FaultLoop(7);
        for (int i = 0; i < 3 * FaultLoop.REPEATS; i++) {
            // a runtime that handles its faults (a JVM, a GC barrier) does something between them, or faults elsewhere
            assertThat(loop.line("7 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x" + i + "} ---")).isNull();
            assertThat(loop.line(SEGV)).isNull();
            assertThat(loop.line("7 openat(AT_FDCWD</>, \"/x\", O_RDONLY) = 3</x>")).isNull();
            // a child that is not the init dies of its fault: never the init's loop
            assertThat(loop.line("9 --- SIGSEGV {si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL} ---")).isNull();
            // a signal that is no fault
            assertThat(loop.line("7 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=9} ---")).isNull();
        }
    }
}
