package dev.distill.engine.runtime;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The system calls a container may make: an allowlist (everything else fails with {@code EPERM}), written as runc's
 * {@code linux.seccomp}. It follows the rules Docker documents for its default profile (deny by default; allow what
 * ordinary programs use; {@code clone} only without namespace flags; {@code clone3} answered {@code ENOSYS} so that
 * libc falls back to {@code clone}; {@code personality} only for the harmless personas) and never grants the
 * extra calls Docker opens for added capabilities, since Distill never adds any. Distill's own tightenings, for
 * calls a migration never needs: {@code ptrace} (Docker allows it on kernels since 4.8), {@code io_uring},
 * {@code modify_ldt}, sockets of families other than Unix, IPv4, IPv6 and netlink, the new mount API and
 * {@code listmount}/{@code statmount}, the LSM attribute calls, and the native architecture only (no 32-bit or x32
 * entry points).
 *
 * <p>{@link #deniedCalls()} names every call the profile refuses with why; a call the kernel has and neither list
 * names is refused too (the default), and one newer than runc's libseccomp gets {@code ENOSYS} from runc's own stub,
 * so libc falls back as on an older kernel.
 */
public record SeccompProfile(List<String> architectures) {

    /** {@code EPERM}: what a refused call returns, as under Docker. */
    public static final int EPERM = 1;
    /** {@code ENOSYS}: "no such call", for {@code clone3}. */
    public static final int ENOSYS = 38;

    // Namespace flags of clone(2): CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
    static final long CLONE_NAMESPACE_FLAGS = 0x00020000L | 0x02000000L | 0x04000000L | 0x08000000L | 0x10000000L
            | 0x20000000L | 0x40000000L;
    // personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26 with either, and the 0xffffffff query.
    static final List<Long> PERSONALITIES = List.of(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL);
    // AF_UNIX, AF_INET, AF_INET6, AF_NETLINK (glibc's getaddrinfo asks the kernel for addresses over netlink).
    static final List<Long> SOCKET_FAMILIES = List.of(1L, 2L, 10L, 16L);

    /** Calls every program may make, by what they are for. Names a kernel lacks are skipped by runc. */
    static final Map<String, List<String>> ALLOWED = allowedByPurpose();

    /** Calls the profile refuses on purpose, each with why (the rest are refused by default). */
    static final Map<String, String> DENIED = deniedWithReasons();

    public SeccompProfile {
        if (architectures == null || architectures.isEmpty()) {
            throw new IllegalArgumentException("a seccomp profile needs at least one architecture, got " + architectures);
        }
        architectures = List.copyOf(architectures);
    }

    /** The profile for this host's architecture ({@code os.arch}). */
    public static SeccompProfile forHost() {
        return forArchitecture(System.getProperty("os.arch", ""));
    }

    /**
     * @param arch Java's name ({@code amd64}, {@code aarch64}) or the OCI platform's ({@code arm64})
     */
    public static SeccompProfile forArchitecture(String arch) {
        return switch (arch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> new SeccompProfile(List.of("SCMP_ARCH_X86_64"));
            case "aarch64", "arm64" -> new SeccompProfile(List.of("SCMP_ARCH_AARCH64"));
            default -> throw new IllegalArgumentException("no seccomp profile for architecture '" + arch
                    + "': Distill runs containers on amd64 and arm64");
        };
    }

    /** Every call allowed without conditions. */
    public static Set<String> allowedCalls() {
        Set<String> all = new LinkedHashSet<>();
        ALLOWED.values().forEach(all::addAll);
        return Collections.unmodifiableSet(all);
    }

    /** Calls refused on purpose, name to reason, sorted by name. */
    public static Map<String, String> deniedCalls() {
        return Collections.unmodifiableMap(new TreeMap<>(DENIED));
    }

    /** Writes the profile as the {@code seccomp} member of an OCI {@code linux} object. */
    public void writeTo(ObjectNode linux) {
        ObjectNode seccomp = linux.putObject("seccomp");
        seccomp.put("defaultAction", "SCMP_ACT_ERRNO");
        seccomp.put("defaultErrnoRet", EPERM);
        architectures.forEach(seccomp.putArray("architectures")::add);
        ArrayNode rules = seccomp.putArray("syscalls");
        ObjectNode allow = rules.addObject();
        allowedCalls().forEach(allow.putArray("names")::add);
        allow.put("action", "SCMP_ACT_ALLOW");
        // Conditions on one argument are ORed by runc when they come as separate rules: one rule per allowed value.
        for (long persona : PERSONALITIES) {
            condition(rules.addObject(), "personality", "SCMP_ACT_ALLOW").addObject().put("index", 0).put("value", persona)
                    .put("op", "SCMP_CMP_EQ");
        }
        for (long family : SOCKET_FAMILIES) {
            condition(rules.addObject(), "socket", "SCMP_ACT_ALLOW").addObject().put("index", 0).put("value", family)
                    .put("op", "SCMP_CMP_EQ");
        }
        // clone's flags are its first argument on x86_64 and arm64: allowed when no namespace flag is set.
        condition(rules.addObject(), "clone", "SCMP_ACT_ALLOW").addObject().put("index", 0)
                .put("value", CLONE_NAMESPACE_FLAGS).put("valueTwo", 0).put("op", "SCMP_CMP_MASKED_EQ");
        ObjectNode clone3 = rules.addObject();
        clone3.putArray("names").add("clone3");
        clone3.put("action", "SCMP_ACT_ERRNO");
        clone3.put("errnoRet", ENOSYS);
    }

    private static ArrayNode condition(ObjectNode rule, String name, String action) {
        rule.putArray("names").add(name);
        rule.put("action", action);
        return rule.putArray("args");
    }

    private static Map<String, List<String>> allowedByPurpose() {
        Map<String, List<String>> a = new LinkedHashMap<>();
        a.put("files", List.of("read", "write", "open", "openat", "openat2", "creat", "close", "close_range", "lseek",
                "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2", "sendfile",
                "copy_file_range", "splice", "tee", "vmsplice", "dup", "dup2", "dup3", "pipe", "pipe2", "fcntl", "flock",
                "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "truncate", "ftruncate", "fallocate",
                "fadvise64", "readahead", "ioctl", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
                "access", "faccessat", "faccessat2", "getdents", "getdents64", "getcwd", "chdir", "fchdir", "chroot",
                "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "link", "linkat", "unlink", "unlinkat",
                "symlink", "symlinkat", "readlink", "readlinkat", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown",
                "fchown", "lchown", "fchownat", "umask", "utime", "utimes", "utimensat", "futimesat", "mknod", "mknodat",
                "setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr",
                "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "setxattrat", "getxattrat", "listxattrat",
                "removexattrat", "memfd_create", "cachestat"));
        a.put("waiting for files and events", List.of("select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1",
                "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4",
                "timerfd_create", "timerfd_settime", "timerfd_gettime", "inotify_init", "inotify_init1",
                "inotify_add_watch", "inotify_rm_watch", "io_setup", "io_destroy", "io_submit", "io_cancel",
                "io_getevents", "io_pgetevents"));
        a.put("memory", List.of("brk", "mmap", "munmap", "mremap", "mprotect", "msync", "mincore", "madvise", "mlock",
                "mlock2", "munlock", "mlockall", "munlockall", "remap_file_pages", "membarrier", "pkey_alloc", "pkey_free",
                "pkey_mprotect", "map_shadow_stack", "mseal"));
        a.put("processes and threads", List.of("fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4",
                "waitid", "kill", "tkill", "tgkill", "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp",
                "getsid", "setsid", "set_tid_address", "set_robust_list", "get_robust_list", "futex", "futex_waitv",
                "futex_wake", "futex_wait", "futex_requeue", "rseq", "arch_prctl", "prctl", "set_thread_area",
                "get_thread_area", "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam",
                "sched_setparam", "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max",
                "sched_get_priority_min", "sched_rr_get_interval", "sched_getattr", "sched_setattr", "getpriority",
                "setpriority", "ioprio_get", "ioprio_set", "getcpu", "pidfd_open", "pidfd_send_signal", "restart_syscall",
                "seccomp", "capget", "capset", "getrlimit", "setrlimit", "prlimit64", "getrusage", "times", "uname",
                "sysinfo", "getrandom", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"));
        a.put("identity", List.of("getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
                "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups"));
        a.put("signals", List.of("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
                "rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigsuspend", "sigaltstack", "pause", "alarm", "getitimer",
                "setitimer"));
        a.put("clocks", List.of("nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
                "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete"));
        a.put("System V and POSIX IPC (namespaced)", List.of("shmget", "shmat", "shmctl", "shmdt", "semget", "semop",
                "semctl", "semtimedop", "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend",
                "mq_timedreceive", "mq_notify", "mq_getsetattr"));
        a.put("sockets (socket itself only for the families above)", List.of("socketpair", "connect", "accept", "accept4",
                "bind", "listen", "shutdown", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
                "getsockname", "getpeername", "setsockopt", "getsockopt"));
        return Collections.unmodifiableMap(a);
    }

    private static Map<String, String> deniedWithReasons() {
        Map<String, String> d = new LinkedHashMap<>();
        deny(d, "the kernel keyring is not namespaced", "keyctl", "add_key", "request_key");
        deny(d, "loads programs into the kernel", "bpf");
        deny(d, "creates or enters namespaces, the first step of most container escapes", "unshare", "setns");
        deny(d, "mounts belong to the runtime, not to the program", "mount", "umount2", "pivot_root", "open_tree",
                "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "listmount", "statmount",
                "open_tree_attr");
        deny(d, "reads or changes other processes (Docker allows ptrace on kernels since 4.8; a migration never traces)",
                "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise",
                "process_mrelease");
        deny(d, "replaces or restarts the host's kernel", "kexec_load", "kexec_file_load", "reboot");
        deny(d, "loads kernel modules", "init_module", "finit_module", "delete_module", "create_module",
                "get_kernel_syms", "query_module");
        deny(d, "the clock is not namespaced", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime");
        deny(d, "kernel performance events leak other processes' activity", "perf_event_open", "lookup_dcookie");
        deny(d, "lets a program stall the kernel at a page fault, widening races that exploits need", "userfaultfd");
        deny(d, "a large kernel surface a migration never needs (Docker denies it too)", "io_uring_setup",
                "io_uring_enter", "io_uring_register");
        deny(d, "opens files by handle, around path permissions", "open_by_handle_at", "name_to_handle_at");
        deny(d, "NUMA memory placement affects the whole host", "mbind", "set_mempolicy", "get_mempolicy",
                "migrate_pages", "move_pages", "set_mempolicy_home_node");
        deny(d, "host-wide administration", "acct", "swapon", "swapoff", "quotactl", "quotactl_fd", "syslog",
                "vhangup", "nfsservctl", "sethostname", "setdomainname", "fanotify_init", "fanotify_mark", "_sysctl", "sysfs", "ustat",
                "uselib");
        deny(d, "hardware I/O ports and x86 segment tricks", "ioperm", "iopl", "modify_ldt", "vm86", "vm86old");
        deny(d, "security module attributes a migration never reads", "lsm_get_self_attr", "lsm_set_self_attr",
                "lsm_list_modules");
        deny(d, "memory hidden from the kernel's own view", "memfd_secret");
        deny(d, "kernel-internal or unimplemented", "uretprobe", "afs_syscall", "tuxcall", "security", "getpmsg",
                "putpmsg", "vserver", "epoll_ctl_old", "epoll_wait_old");
        return Collections.unmodifiableMap(d);
    }

    private static void deny(Map<String, String> denied, String reason, String... names) {
        for (String name : names) {
            if (denied.put(name, reason) != null) {
                throw new IllegalStateException("seccomp: " + name + " is denied twice");
            }
        }
    }

    @Override
    public String toString() {
        return "seccomp allowlist for " + architectures + " (" + allowedCalls().size() + " calls, " + CONDITIONAL.size()
                + " with conditions, everything else EPERM)";
    }

    /** The calls allowed only with conditions (personality, socket, clone) or answered otherwise (clone3). */
    static final List<String> CONDITIONAL = List.of("personality", "socket", "clone", "clone3");
}
