package dev.distill.engine.elf;

/** e_machine, for the architectures container images are built for; anything else is {@link #OTHER}. */
public enum ElfMachine {
    I386(3, "i386"),
    MIPS(8, "mips"),
    PPC(20, "ppc"),
    PPC64(21, "ppc64"),
    S390(22, "s390x"),
    ARM(40, "arm"),
    X86_64(62, "x86_64"),
    AARCH64(183, "aarch64"),
    RISCV(243, "riscv"),
    LOONGARCH(258, "loongarch"),
    OTHER(-1, "other");

    private final int code;
    private final String archName;

    ElfMachine(int code, String archName) {
        this.code = code;
        this.archName = archName;
    }

    public int code() {
        return code;
    }

    /** The kernel's / uname's name of the architecture ({@code x86_64}, {@code aarch64}, ...). */
    public String archName() {
        return archName;
    }

    public static ElfMachine of(int code) {
        for (ElfMachine m : values()) {
            if (m.code == code) {
                return m;
            }
        }
        return OTHER;
    }
}
