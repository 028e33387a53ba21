package dev.distill.engine.runtime.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The strace parser on output captured from real runs (the fixtures under runc, traced as the verifier traces them;
 * a glibc shell on the host) and on small hand-written cases for what captures rarely show.
 */
class FileAccessTraceTest {

    @Test
    void aMuslLibrarySearchMissIsNotMissingAndRuncsOwnCallsAreSkipped() throws IOException {
        FileAccessTrace trace = parse("musl-plugin.strace");

        assertThat(trace.missing()).isEmpty();
        assertThat(trace.ignored()).containsEntry("/lib/libgreet.so.1", "search miss: found as /usr/local/lib/libgreet.so.1");
        assertThat(trace.ignored()).doesNotContainKey("/proc/self/fd/5");  // runc init, before the execve
        assertThat(trace.unparsed()).isZero();
        // runc init's opens come before the execve; the failed search is not an open
        assertThat(trace.opened()).containsExactly("/etc/greeter.conf", "/etc/ld-musl-x86_64.path",
                "/usr/local/bin/greeter", "/usr/local/lib/greeter/plugins/shout.so", "/usr/local/lib/libgreet.so.1");
    }

    @Test
    void aGlibcShellTraceGivesTheReallyMissingFilesAcrossProcessesAndSplitCalls() throws IOException {
        FileAccessTrace trace = parse("glibc-shell.strace");

        // relative to the cwd strace -y printed, in a child process
        assertThat(trace.missing()).contains("/etc/missing-relative.conf", "/nonexistent-dir");
        // PATH walk of an unknown command: never found anywhere, so every candidate stays missing (the verifier
        // keeps only those the source image has); "cat" was found, so its PATH misses are search misses
        assertThat(trace.missing()).contains("/usr/sbin/nosuchcommand");
        assertThat(trace.ignored()).containsEntry("/usr/local/bin/cat", "search miss: found as /usr/bin/cat");
        assertThat(trace.ignored()).containsEntry("/etc/ld.so.preload", "checked by glibc's loader in every program");
        assertThat(trace.missing()).doesNotContain("/usr/local/bin/cat", "/etc/ld.so.preload");
        assertThat(trace.unparsed()).isZero();
    }

    @Test
    void hardwareCapabilityProbesAndEscapesAreUnderstood() throws IOException {
        String out = String.join("\n",
                "7 execve(\"/usr/sbin/php-fpm\", [\"php-fpm\"], 0x7ffd /* 3 vars */) = 0",
                "7 openat(AT_FDCWD</>, \"/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libxml2.so.2\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)",
                "7 newfstatat(AT_FDCWD</>, \"/lib/x86_64-linux-gnu/tls/haswell/x86_64\", 0x7ffc, 0) = -1 ENOENT (No such file or directory)",
                "7 openat(AT_FDCWD</>, \"/lib/x86_64-linux-gnu/libxml2.so.2\", O_RDONLY|O_CLOEXEC) = 3</lib/x86_64-linux-gnu/libxml2.so.2>",
                "7 openat(AT_FDCWD</var/www>, \"conf/odd \\\"name\\\"\\x41.ini\", O_RDONLY) = -1 ENOENT (No such file or directory)",
                "7 access(\"relative-without-dir\", R_OK) = -1 ENOENT (No such file or directory)",
                "7 openat(AT_FDCWD</>, \"/etc/php/8.2/fpm/conf.d/20-gd.ini\", O_RDONLY) = -1 EACCES (Permission denied)",
                "7 +++ exited with 0 +++");
        FileAccessTrace trace = FileAccessTrace.parse(new StringReader(out));

        assertThat(trace.missing()).containsExactly("/var/www/conf/odd \"name\"A.ini");
        assertThat(trace.ignored()).containsKeys("/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libxml2.so.2",
                "/lib/x86_64-linux-gnu/tls/haswell/x86_64");
        assertThat(trace.unresolved()).containsExactly("relative-without-dir");
        assertThat(trace.calls()).isEqualTo(6);
        // the program and the library it loaded; not the misses, the stat, nor the open refused with EACCES
        assertThat(trace.opened()).containsExactly("/lib/x86_64-linux-gnu/libxml2.so.2", "/usr/sbin/php-fpm");
    }

    @Test
    void callsTheSandboxRefusedAreKeptAsEvidenceNeverAsPathsUsed() throws IOException {
        String out = String.join("\n",
                "5 mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID, NULL) = 0",  // runc init, before the execve
                "5 execve(\"/hostile\", [\"/hostile\", \"needs-escape\"], 0x7ffd /* 3 vars */) = 0",
                "5 unshare(CLONE_NEWUSER) = -1 EPERM (Operation not permitted)",
                "5 mount(\"none\", \"/mnt\", \"tmpfs\", 0, NULL) = -1 EPERM (Operation not permitted)",
                "5 unshare(CLONE_NEWUSER) = -1 EPERM (Operation not permitted)",
                "5 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3",
                "5 socket(AF_VSOCK, SOCK_STREAM, 0) = -1 EPERM (Operation not permitted)",
                "5 keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL) = -1 ENOSYS (Function not implemented)",
                "5 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f, stack_size=0x9000}, 88) = -1 ENOSYS (Function not implemented)",
                "5 +++ exited with 1 +++");
        FileAccessTrace trace = FileAccessTrace.parse(new StringReader(out));

        // each once, in trace order; not runc's own mount, not a call that went through or failed otherwise
        assertThat(trace.denied()).containsExactly("unshare(CLONE_NEWUSER) = -1 EPERM",
                "mount(\"none\", \"/mnt\", \"tmpfs\", 0, NULL) = -1 EPERM", "socket(AF_VSOCK, SOCK_STREAM, 0) = -1 EPERM");
        // a refused mount names paths, but used none; a refused clone3 made no process
        assertThat(trace.missing()).isEmpty();
        assertThat(trace.executions()).singleElement().satisfies(e -> assertThat(e.paths()).containsOnlyKeys("/hostile"));
        assertThat(trace.unparsed()).isZero();
    }

    @Test
    void openedPathsAreAsTheProgramNamedThemRelativeOnesResolvedDirectoriesLeftOut() throws IOException {
        String out = String.join("\n",
                "9 execve(\"/usr/sbin/nginx\", [\"nginx\"], 0x7ffd /* 3 vars */) = 0",
                "9 openat(AT_FDCWD</etc/nginx>, \"mime.types\", O_RDONLY) = 4</etc/nginx/mime.types>",
                "9 openat(AT_FDCWD</>, \"/usr/share/nginx/html\", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 5</usr/share/nginx/html>",
                "9 openat(AT_FDCWD</>, \"/lib/x86_64-linux-gnu/libpcre2-8.so.0\", O_RDONLY|O_CLOEXEC) = 3</usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.11.2>",
                "10 open(\"/var/log/nginx/error.log\", O_WRONLY|O_CREAT|O_APPEND, 0644 <unfinished ...>",
                "9 newfstatat(AT_FDCWD</>, \"/etc/nginx/nginx.conf\", {st_mode=S_IFREG|0644, st_size=1447, ...}, 0) = 0",
                "10 <... open resumed>) = 6</var/log/nginx/error.log>",
                "9 +++ exited with 0 +++");
        FileAccessTrace trace = FileAccessTrace.parse(new StringReader(out));

        assertThat(trace.opened()).containsExactly("/etc/nginx/mime.types", "/lib/x86_64-linux-gnu/libpcre2-8.so.0",
                "/usr/sbin/nginx", "/var/log/nginx/error.log");
        assertThat(trace.missing()).isEmpty();
    }

    @Test
    void aProgramThatListsADirectoryThroughALinkShowsEveryFileItReadAsItNamedIt() throws IOException {
        FileAccessTrace trace = parse("stitcher.strace");

        // runc's init listed /proc/1/fd before the execve: not the program's
        assertThat(trace.executions()).singleElement().satisfies(e -> {
            assertThat(e.executed()).isTrue();
            assertThat(e.parent()).isEqualTo(-1);
            assertThat(e.executable()).isEqualTo("/usr/local/bin/stitcher");
            assertThat(e.argv()).containsExactly("/usr/local/bin/stitcher");
            assertThat(e.paths()).containsExactly(
                    Map.entry("/usr/local/bin/stitcher", Set.of(Access.EXECUTED)),
                    Map.entry("/usr/share/stitcher/header.txt", Set.of(Access.READ)),
                    Map.entry("/usr/share/stitcher/parts", Set.of(Access.LISTED)),
                    // getdents names the directory the descriptor is open on: the link's target
                    Map.entry("/usr/share/stitcher/parts-v2", Set.of(Access.LISTED)),
                    Map.entry("/usr/share/stitcher/parts/01-one.txt", Set.of(Access.READ)),
                    Map.entry("/usr/share/stitcher/parts/02-two.txt", Set.of(Access.READ)),
                    Map.entry("/usr/share/stitcher/parts/03-three.txt", Set.of(Access.READ)),
                    Map.entry("/usr/share/stitcher/footer.txt", Set.of(Access.READ)));
        });
        assertThat(trace.missing()).isEmpty();
        assertThat(trace.dropped()).isZero();
    }

    @Test
    void supervisordsProgramsAreTheirOwnExecutionsForkedAcrossThePidNamespace() throws IOException {
        FileAccessTrace trace = parse("debian-php.strace.gz");

        List<Execution> executions = trace.executions();
        Execution entrypoint = executions.get(0);
        assertThat(entrypoint.executable()).isEqualTo("/usr/local/bin/docker-entrypoint.sh");
        Execution supervisord = only(executions, e -> e.executed() && "/usr/bin/supervisord".equals(e.executable()));
        assertThat(supervisord.parent()).isEqualTo(entrypoint.id());  // exec "$@" in the same process
        assertThat(supervisord.paths()).containsKey("/etc/supervisor/supervisord.conf");

        for (String program : List.of("/usr/sbin/nginx", "/usr/sbin/php-fpm8.2")) {
            Execution exec = only(executions, e -> e.executed() && program.equals(e.executable()));
            // supervisord forked (clone returned the container's pid; --pidns-translation gave the host's), the
            // child still ran supervisord's python, then executed the program
            Execution fork = executions.get(exec.parent());
            assertThat(fork.executed()).isFalse();
            assertThat(fork.executable()).isEqualTo("/usr/bin/supervisord");
            assertThat(fork.pid()).isEqualTo(exec.pid());
            assertThat(fork.parent()).isEqualTo(supervisord.id());
            // and its own forks (nginx's worker, php-fpm's pool workers) run it still
            assertThat(executions).filteredOn(e -> e.parent() == exec.id() && !e.executed()).isNotEmpty()
                    .allSatisfy(w -> assertThat(w.executable()).isEqualTo(program));
        }
        Execution nginx = only(executions, e -> e.executed() && "/usr/sbin/nginx".equals(e.executable()));
        assertThat(nginx.argv()).containsExactly("nginx", "-g", "daemon off;");
        assertThat(nginx.paths()).containsEntry("/etc/nginx/nginx.conf", Set.of(Access.READ))
                .containsEntry("/etc/nginx/sites-enabled", Set.of(Access.LISTED))
                .containsEntry("/etc/nginx/sites-enabled/app", Set.of(Access.READ));
        Execution php = only(executions, e -> e.executed() && "/usr/sbin/php-fpm8.2".equals(e.executable()));
        assertThat(php.paths()).containsEntry("/etc/php/8.2/fpm/php-fpm.conf", Set.of(Access.READ));
        assertThat(trace.unparsed()).isZero();
        assertThat(trace.dropped()).isZero();
    }

    @Test
    void nodesThreadsAreItsProcessAndEveryModuleItLoadedIsThere() throws IOException {
        FileAccessTrace trace = parse("debian-node.strace.gz");

        // node starts worker threads (clone3 with CLONE_THREAD): no execution of their own
        Execution node = trace.executions().stream().filter(Execution::executed).reduce((a, b) -> b).orElseThrow();
        assertThat(trace.executions()).singleElement().isEqualTo(node);
        assertThat(node.executable()).isEqualTo("/usr/bin/node");
        assertThat(node.argv()).containsExactly("node", "server.js");
        // Debian's builtins outside the binary, the app, the npm dependency and its own dependencies
        assertThat(node.paths()).containsEntry("/usr/share/nodejs/cjs-module-lexer/lexer.js", Set.of(Access.READ))
                .containsEntry("/usr/share/nodejs/acorn/dist/acorn.js", Set.of(Access.READ))
                .containsEntry("/app/server.js", Set.of(Access.LOOKED_UP, Access.READ))
                .containsEntry("/app/node_modules", Set.of(Access.LOOKED_UP))
                .containsEntry("/app/node_modules/express/index.js", Set.of(Access.LOOKED_UP, Access.READ))
                .containsKey("/app/node_modules/body-parser/index.js");
        assertThat(node.paths().keySet()).filteredOn(p -> p.startsWith("/app/node_modules/")).hasSizeGreaterThan(100);
        // node probes module paths that do not exist; the ones it found elsewhere are search misses
        assertThat(trace.ignored()).isNotEmpty();
        assertThat(trace.unparsed()).isZero();
    }

    @Test
    void aChildsCallsBeforeItsForkReturnsAreLinkedAndAThreadsAreItsProcesss() throws IOException {
        String out = String.join("\n",
                "10 execve(\"/bin/sh\", [\"sh\", \"-c\", \"ls /etc\"], 0x1 /* 3 vars */) = 0",
                "10 vfork( <unfinished ...>",
                "11 execve(\"/bin/ls\", [\"ls\", \"/etc\"], 0x2 /* 3 vars */ <unfinished ...>",
                "10 <... vfork resumed>) = 2 /* 11 in strace's PID NS */",
                "11 <... execve resumed>) = 0",
                "11 openat(AT_FDCWD</>, \"/etc\", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 3</etc>",
                "11 getdents64(3</etc>, 0x5 /* 5 entries */, 32768) = 144",
                "11 newfstatat(1</dev/pts/0>, \"\", {st_mode=S_IFCHR|0620, ...}, AT_EMPTY_PATH) = 0",
                "10 clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x7} => {parent_tid=[3 /* 12 in strace's PID NS */]}, 88 <unfinished ...>",
                "12 openat(AT_FDCWD</>, \"/var/log/app.log\", O_WRONLY|O_CREAT|O_APPEND, 0644) = 4</var/log/app.log>",
                "10 <... clone3 resumed>) = 3 /* 12 in strace's PID NS */",
                "12 readlink(\"/etc/localtime\", \"/usr/share/zoneinfo/UTC\", 4095) = 23",
                "10 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD) = 13",
                "13 chdir(\"/srv\") = 0",
                "11 +++ exited with 0 +++",
                "10 +++ exited with 0 +++");
        FileAccessTrace trace = FileAccessTrace.parse(new StringReader(out));

        assertThat(trace.executions()).hasSize(4);
        Execution sh = trace.executions().get(0);
        assertThat(sh.paths()).containsOnly(Map.entry("/bin/sh", Set.of(Access.EXECUTED)),
                Map.entry("/var/log/app.log", Set.of(Access.WRITTEN)),
                Map.entry("/etc/localtime", Set.of(Access.LOOKED_UP)));
        Execution vforked = trace.executions().get(1);
        assertThat(vforked).satisfies(e -> {
            assertThat(e.pid()).isEqualTo(11);
            assertThat(e.executed()).isFalse();
            assertThat(e.parent()).isEqualTo(sh.id());
            assertThat(e.executable()).isEqualTo("/bin/sh");
            assertThat(e.paths()).isEmpty();
        });
        Execution ls = trace.executions().get(2);
        assertThat(ls.parent()).isEqualTo(vforked.id());
        assertThat(ls.argv()).containsExactly("ls", "/etc");
        // the fstat of an inherited descriptor (AT_EMPTY_PATH) looked nothing up
        assertThat(ls.paths()).containsOnly(Map.entry("/bin/ls", Set.of(Access.EXECUTED)),
                Map.entry("/etc", Set.of(Access.LISTED)));
        Execution forked = trace.executions().get(3);
        assertThat(forked.pid()).isEqualTo(13);
        assertThat(forked.parent()).isEqualTo(sh.id());
        assertThat(forked.paths()).containsOnly(Map.entry("/srv", Set.of(Access.LOOKED_UP)));
        assertThat(trace.opened()).containsExactly("/bin/ls", "/bin/sh", "/var/log/app.log");
    }

    @Test
    void aForkLoopIsBoundedAndSaysWhatItDropped() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("1 execve(\"/bin/sh\", [\"sh\"], 0x1 /* 1 vars */) = 0");
        int forks = StraceParser.MAX_EXECUTIONS + 10;
        for (int pid = 2; pid < forks + 2; pid++) {
            lines.add("1 fork() = " + pid);
            lines.add(pid + " openat(AT_FDCWD</>, \"/etc/f" + pid + "\", O_RDONLY) = 3</etc/f" + pid + ">");
            lines.add(pid + " +++ exited with 0 +++");
        }
        FileAccessTrace trace = FileAccessTrace.parse(new StringReader(String.join("\n", lines)));

        assertThat(trace.executions()).hasSize(StraceParser.MAX_EXECUTIONS);
        // each fork beyond the bound, and what it did
        assertThat(trace.dropped()).isEqualTo(2 * (forks + 1 - StraceParser.MAX_EXECUTIONS));
        assertThat(trace.opened()).hasSize(forks + 1);  // the global list stays whole
    }

    private static Execution only(List<Execution> executions, java.util.function.Predicate<Execution> which) {
        List<Execution> found = executions.stream().filter(which).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    @Test
    void theFilesAProgramMakesAndHowEachProcessEndedAreRead() throws IOException {
        // strace -f -q of sh -c 'cd work && mkdir -p work/done && echo hi > done/a.txt.tmp && mv done/a.txt.tmp done/a.txt
        //   && echo x > work/b.log; (exit 3)' on the host (library and PATH lookups cut)
        FileAccessTrace trace = parse("worker.strace");

        // made: the renamed file under its final name (not the temporary one), the log; mkdir -p makes "done" by a
        // relative name after a chdir, which strace -y does not resolve for mkdir: left unresolved, not guessed
        assertThat(trace.written()).containsExactly("/tmp/tr/work/b.log", "/tmp/tr/work/done/a.txt");
        assertThat(trace.unresolved()).contains("done");
        assertThat(trace.exits()).containsEntry(25485, 3).containsEntry(25486, 0).containsEntry(25487, 0)
                .containsEntry(25488, 3);
        assertThat(trace.unparsed()).isZero();
    }

    @Test
    void aFileTheProgramDeletesAgainIsNotWhatItMade() throws IOException {
        // SQLite in rollback-journal mode: the journal is made for a write and deleted when it commits.
        String out = String.join("\n",
                "21 execve(\"/usr/bin/php8.2\", [\"php\", \"artisan\", \"queue:work\"], 0x7ffd /* 9 vars */) = 0",
                "21 openat(AT_FDCWD</var/www/html>, \"/var/lib/app/database.sqlite\", O_RDWR|O_CREAT|O_CLOEXEC, 0644) = 5</var/lib/app/database.sqlite>",
                "21 openat(AT_FDCWD</var/www/html>, \"/var/lib/app/database.sqlite-journal\", O_RDWR|O_CREAT|O_CLOEXEC, 0644) = 6</var/lib/app/database.sqlite-journal>",
                "21 unlink(\"/var/lib/app/database.sqlite-journal\") = 0",
                "21 unlinkat(AT_FDCWD</var/www/html>, \"storage/tmp.lock\", 0) = -1 ENOENT (No such file or directory)",
                "21 +++ exited with 0 +++");
        FileAccessTrace trace = FileAccessTrace.parse(new StringReader(out));

        assertThat(trace.written()).containsExactly("/var/lib/app/database.sqlite");
    }

    @Test
    void aTemporaryNameStaysTemporaryWhenTheTraceEndsBeforeItsRename() throws IOException {
        // A scheduler writes last-run.txt atomically every second and is stopped between a write and its rename.
        String out = String.join("\n",
                "30 execve(\"/usr/bin/php8.2\", [\"php\", \"artisan\", \"schedule:work\"], 0x7ffd /* 9 vars */) = 0",
                "30 openat(AT_FDCWD</srv/app>, \"/srv/app/storage/schedule/last-run.txt.tmp\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 4</srv/app/storage/schedule/last-run.txt.tmp>",
                "30 rename(\"/srv/app/storage/schedule/last-run.txt.tmp\", \"/srv/app/storage/schedule/last-run.txt\") = 0",
                "30 openat(AT_FDCWD</srv/app>, \"/srv/app/storage/schedule/last-run.txt.tmp\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 4</srv/app/storage/schedule/last-run.txt.tmp>",
                "30 +++ killed by SIGKILL +++");
        FileAccessTrace trace = FileAccessTrace.parse(new StringReader(out));

        assertThat(trace.written()).containsExactly("/srv/app/storage/schedule/last-run.txt");
    }

    private static FileAccessTrace parse(String sample) throws IOException {
        InputStream raw = FileAccessTraceTest.class.getResourceAsStream(sample);
        try (Reader in = new InputStreamReader(sample.endsWith(".gz") ? new GZIPInputStream(raw) : raw,
                StandardCharsets.UTF_8)) {
            return FileAccessTrace.parse(in);
        }
    }
}
