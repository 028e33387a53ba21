package dev.distill.engine.runtime.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The strace parser on output captured from real runs (a musl program in runc, a glibc shell on the host). */
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

    private static FileAccessTrace parse(String sample) throws IOException {
        try (Reader in = new InputStreamReader(FileAccessTraceTest.class.getResourceAsStream(sample), StandardCharsets.UTF_8)) {
            return FileAccessTrace.parse(in);
        }
    }
}
