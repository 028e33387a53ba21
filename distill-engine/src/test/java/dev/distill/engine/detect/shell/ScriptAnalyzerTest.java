package dev.distill.engine.detect.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
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
    void sideEffectCommandBeforeExecBlocks() throws ShellSyntaxException {
        ScriptAnalysis a = analyze("mkdir -p /run/php\nexec php-fpm\n");
        assertThat(a.blockers()).singleElement().satisfies(i -> {
            assertThat(i.line()).isEqualTo(1);
            assertThat(i.reason()).contains("runs mkdir before the program");
        });
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
