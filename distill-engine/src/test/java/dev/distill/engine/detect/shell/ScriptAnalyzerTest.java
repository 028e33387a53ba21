package dev.distill.engine.detect.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScriptAnalyzerTest {

    static ScriptAnalysis analyze(String script, String... args) throws ShellSyntaxException {
        return ScriptAnalyzer.analyze(ShellLexer.tokenize(script), "entry", List.of(args));
    }

    @Test
    void lexerHandlesQuotesEscapesCommentsAndContinuations() throws ShellSyntaxException {
        List<Token> t = ShellLexer.tokenize("echo 'a b' \"c $x d\" e\\ f # comment\nnext \\\n  arg\n");
        assertThat(t).filteredOn(x -> x.type() == Token.Type.WORD).extracting(Token::text)
                .containsExactly("echo", "'a b'", "\"c $x d\"", "e\\ f", "next", "arg");
        assertThat(t.get(2).parts()).containsExactly(new Token.Literal("c ", true), new Token.Param("x", true),
                new Token.Literal(" d", true));
        assertThat(t).filteredOn(x -> x.text().equals("arg")).singleElement().extracting(Token::line).isEqualTo(3);
    }

    @Test
    void lexerSkipsHereDocuments() throws ShellSyntaxException {
        List<Token> t = ShellLexer.tokenize("cat <<EOF > /x\nit's $HOME\nEOF\nexec foo\n");
        assertThat(t).filteredOn(x -> x.type() == Token.Type.WORD).extracting(Token::text)
                .containsExactly("cat", "EOF", "/x", "exec", "foo");
        assertThat(t).filteredOn(x -> "exec".equals(x.text())).singleElement().extracting(Token::line).isEqualTo(4);
    }

    @Test
    void lexerReportsUnterminatedQuote() {
        assertThatThrownBy(() -> ShellLexer.tokenize("echo \"abc\n")).isInstanceOf(ShellSyntaxException.class)
                .hasMessageContaining("unterminated double quote");
    }

    @Test
    void shiftSetAndDefaultsAreFollowed() throws ShellSyntaxException {
        ScriptAnalysis a = analyze("set -eu\nMODE=prod\nexport APP_ENV=\"$MODE\"\nif [ \"$#\" -eq 0 ]; then set -- php-fpm; "
                + "elif [ \"$1\" = serve ]; then shift; set -- php-fpm -F \"$@\"; fi\nexec \"$@\"\n", "serve", "-R");
        assertThat(a.resolved()).isTrue();
        assertThat(a.command()).containsExactly("php-fpm", "-F", "-R");
        assertThat(a.environment()).containsEntry("APP_ENV", "prod");
    }

    @Test
    void branchesNotTakenDoNotBlock() throws ShellSyntaxException {
        ScriptAnalysis a = analyze("if [ \"$1\" = debug ]; then\n  while true; do sleep 1; done\nfi\nexec \"$@\"\n", "nginx");
        assertThat(a.resolved()).isTrue();
        assertThat(a.command()).containsExactly("nginx");
    }

    @Test
    void needsShellConstructsAreReportedWithLines() throws ShellSyntaxException {
        ScriptAnalysis a = analyze("""
                #!/bin/sh
                trap 'kill $PID' TERM
                setup() { mkdir -p /run/app; }
                VERSION=$(cat /VERSION)
                php-fpm &
                source /etc/profile
                case "$1" in a) echo a;; esac
                if [ -f /etc/app.conf ]; then echo x; fi
                exec nginx
                """);
        assertThat(a.resolved()).isFalse();
        assertThat(a.blockers()).extracting(ScriptAnalysis.Issue::line).contains(2, 3, 4, 5, 6, 7, 8);
        assertThat(a.blockers()).anySatisfy(i -> assertThat(i.reason()).contains("trap"));
        assertThat(a.blockers()).anySatisfy(i -> assertThat(i.reason()).contains("function"));
        assertThat(a.blockers()).anySatisfy(i -> assertThat(i.reason()).contains("command substitution"));
        assertThat(a.blockers()).anySatisfy(i -> assertThat(i.reason()).contains("background job"));
        assertThat(a.blockers()).anySatisfy(i -> assertThat(i.reason()).contains("sources another script"));
        assertThat(a.blockers()).anySatisfy(i -> assertThat(i.reason()).contains("'case'"));
        assertThat(a.blockers()).anySatisfy(i -> assertThat(i.reason()).contains("-f /etc/app.conf"));
    }

    @Test
    void commandsBeforeTheProgramAreStepsWithTheirExpansionsRedirectionsAndDirectory() throws ShellSyntaxException {
        ScriptAnalysis a = ScriptAnalyzer.analyze(ShellLexer.tokenize("""
                #!/bin/sh
                set -e
                export APP_NAME="$NAME"
                mkdir -p /run/php storage/logs
                cd /var/www/html
                CACHE=1 php artisan config:cache
                envsubst < .env.template > .env 2>/dev/null
                exec "$@"
                """), "entry", List.of("php-fpm8.2", "-F"),
                new ScriptAnalyzer.Context(Map.of("NAME", "shop"), "/srv", null));
        assertThat(a.resolved()).isTrue();
        assertThat(a.command()).containsExactly("php-fpm8.2", "-F");
        assertThat(a.workingDir()).isEqualTo("/var/www/html");
        assertThat(a.steps()).extracting(Step::line).containsExactly(4, 6, 7);
        Step mkdir = a.steps().get(0);
        assertThat(mkdir.argv()).containsExactly("mkdir", "-p", "/run/php", "storage/logs");
        assertThat(mkdir.workingDir()).isEqualTo("/srv");
        assertThat(mkdir.environment()).containsEntry("APP_NAME", "shop");
        Step artisan = a.steps().get(1);
        assertThat(artisan.workingDir()).isEqualTo("/var/www/html");
        assertThat(artisan.environment()).containsEntry("CACHE", "1").containsEntry("APP_NAME", "shop");
        Step envsubst = a.steps().get(2);
        assertThat(envsubst.text()).isEqualTo("envsubst < .env.template > .env 2> /dev/null");
        assertThat(envsubst.redirects()).containsExactly(new Step.Redirect(0, "<", "/var/www/html/.env.template"),
                new Step.Redirect(1, ">", "/var/www/html/.env"));
        assertThat(a.steps()).noneMatch(Step::identityBranch);
    }

    @Test
    void theProgramsOwnRedirectionsAndUnknownStepArgumentsStillNeedAShell() throws ShellSyntaxException {
        ScriptAnalysis a = analyze("chown -R \"$APP_USER\" /data\nexec nginx > /var/log/nginx.log\n");
        assertThat(a.steps()).isEmpty();
        assertThat(a.blockers()).extracting(ScriptAnalysis.Issue::line).containsExactly(1, 2);
        assertThat(a.blockers().get(0).reason()).contains("$APP_USER");
        assertThat(a.blockers().get(1).reason()).contains("writes a file (/var/log/nginx.log)");
    }

    @Test
    void identityDecidesTheRootOnlyBranchAndMarksItsSteps() throws ShellSyntaxException {
        String script = ShellDetectorTest.OFFICIAL;
        ScriptAnalysis unknown = analyze(script, "valkey-server");
        assertThat(unknown.blockers()).anySatisfy(b -> assertThat(b.reason()).contains("$(id -u)"));

        ScriptAnalysis root = ScriptAnalyzer.analyze(ShellLexer.tokenize(script), "/entry.sh", List.of("valkey-server"),
                new ScriptAnalyzer.Context(Map.of(), "/data", ScriptUser.ROOT));
        assertThat(root.resolved()).isTrue();
        assertThat(root.command()).containsExactly("setpriv", "--reuid=valkey", "--regid=valkey", "--clear-groups", "--",
                "/entry.sh", "valkey-server");
        assertThat(root.steps()).singleElement().satisfies(s -> {
            assertThat(s.argv()).containsExactly("find", ".", "!", "-user", "valkey", "-exec", "chown", "valkey", "{}", "+");
            assertThat(s.identityBranch()).isTrue();
        });

        ScriptAnalysis valkey = ScriptAnalyzer.analyze(ShellLexer.tokenize(script), "/entry.sh", List.of("valkey-server"),
                new ScriptAnalyzer.Context(Map.of(), "/data", new ScriptUser(999, 999, "valkey", "valkey", null)));
        assertThat(valkey.command()).containsExactly("valkey-server");
        assertThat(valkey.steps()).singleElement().satisfies(s -> {
            assertThat(s.argv()).containsExactly("umask", "0077");
            assertThat(s.identityBranch()).isFalse();
        });
    }

    @Test
    void testUnderstandsAndOrAndNegationAndLeavesFilesToTheRunningSystem() {
        assertThat(ScriptAnalyzer.test(List.of("a", "=", "a", "-a", "0", "=", "0"))).isTrue();
        assertThat(ScriptAnalyzer.test(List.of("a", "=", "b", "-o", "x", "!=", "y"))).isTrue();
        assertThat(ScriptAnalyzer.test(List.of("a", "=", "b", "-o", "x", "=", "y", "-a", "1"))).isFalse();
        assertThat(ScriptAnalyzer.test(List.of("!", "-z", "x", "-a", "-n", ""))).isFalse();
        assertThat(ScriptAnalyzer.test(List.of("-f", "/x", "-a", "a", "=", "a"))).isNull();
        assertThat(ScriptAnalyzer.test(List.of("-f", "/x", "-a", "a", "=", "b"))).isFalse();
        assertThat(ScriptAnalyzer.test(List.of("a", "-a"))).isNull();
    }

    @Test
    void lastCommandWithoutExecIsTheProgram() throws ShellSyntaxException {
        ScriptAnalysis a = analyze("echo starting >&2\nnginx -g 'daemon off;'\n");
        assertThat(a.resolved()).isTrue();
        assertThat(a.viaExec()).isFalse();
        assertThat(a.command()).containsExactly("nginx", "-g", "daemon off;");
        assertThat(a.notes()).hasSize(2);
    }

    @Test
    void compoundConditionsOfDecidableTestsAreEvaluated() throws ShellSyntaxException {
        String script = "if [ \"${1#-}\" != \"$1\" ] || [ \"${1%.conf}\" != \"$1\" ]; then\n  set -- redis-server \"$@\"\nfi\nexec \"$@\"\n";
        assertThat(analyze(script, "/etc/redis.conf").command()).containsExactly("redis-server", "/etc/redis.conf");
        assertThat(analyze(script, "--port", "1").command()).containsExactly("redis-server", "--port", "1");
        assertThat(analyze(script, "redis-cli").command()).containsExactly("redis-cli");
        ScriptAnalysis env = analyze("if [ \"$1\" = a ] && [ -n \"$DEBUG\" ]; then set -- b; fi\nexec \"$@\"\n", "a");
        assertThat(env.blockers()).singleElement().satisfies(i -> assertThat(i.reason()).contains("$DEBUG"));
    }

    @Test
    void bashSubstringAndHarmlessEnvironmentUse() throws ShellSyntaxException {
        ScriptAnalysis a = analyze("#!/bin/bash\n: \"${APP_ENV:=prod}\"\necho \"starting at $(date) in $HOSTNAME\"\n"
                + "if [ \"${1:0:1}\" = '-' ]; then set -- php-fpm \"$@\"; fi\nexec \"$@\"\n", "-F");
        assertThat(a.resolved()).isTrue();
        assertThat(a.command()).containsExactly("php-fpm", "-F");
        assertThat(a.notes()).anySatisfy(n -> {
            assertThat(n.line()).isEqualTo(3);
            assertThat(n.reason()).contains("command substitution");
        });
    }
}
