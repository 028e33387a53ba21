package dev.distill.pipeline.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepositoryFilterTest {

    @Test
    void noIncludePatternAcceptsEverything() {
        RepositoryFilter filter = RepositoryFilter.acceptingAll();

        assertThat(filter.accepts("app")).isTrue();
        assertThat(filter.accepts("a/b/c/d")).isTrue();
    }

    @Test
    void singleStarStaysWithinOneSegment() {
        RepositoryFilter filter = new RepositoryFilter(List.of("demo/*"), List.of());

        assertThat(filter.accepts("demo/app")).isTrue();
        assertThat(filter.accepts("demo/app/sub")).isFalse();
        assertThat(filter.accepts("demo")).isFalse();
        assertThat(filter.accepts("other/app")).isFalse();
        assertThat(filter.accepts("demox/app")).isFalse();
    }

    @Test
    void doubleStarCrossesSegments() {
        RepositoryFilter filter = new RepositoryFilter(List.of("team-*/**"), List.of());

        assertThat(filter.accepts("team-a/app")).isTrue();
        assertThat(filter.accepts("team-a/shop/api")).isTrue();
        assertThat(filter.accepts("team-a")).as("'**' also matches zero segments").isTrue();
        assertThat(filter.accepts("team/app")).isFalse();
        assertThat(filter.accepts("x/team-a/app")).isFalse();
    }

    @Test
    void leadingAndMiddleDoubleStarMatchZeroOrMoreSegments() {
        RepositoryFilter leading = new RepositoryFilter(List.of("**/api"), List.of());
        assertThat(leading.accepts("api")).isTrue();
        assertThat(leading.accepts("shop/api")).isTrue();
        assertThat(leading.accepts("a/b/api")).isTrue();
        assertThat(leading.accepts("shop/api2")).isFalse();
        assertThat(leading.accepts("shopapi")).isFalse();

        RepositoryFilter middle = new RepositoryFilter(List.of("org/**/web"), List.of());
        assertThat(middle.accepts("org/web")).isTrue();
        assertThat(middle.accepts("org/a/b/web")).isTrue();
        assertThat(middle.accepts("org/a/web2")).isFalse();

        assertThat(new RepositoryFilter(List.of("**"), List.of()).accepts("any/thing/at/all")).isTrue();
    }

    @Test
    void starMatchesPartOfASegmentAndDotsAreLiteral() {
        RepositoryFilter filter = new RepositoryFilter(List.of("demo/app-*.v2"), List.of());

        assertThat(filter.accepts("demo/app-web.v2")).isTrue();
        assertThat(filter.accepts("demo/app-webxv2")).isFalse();
    }

    @Test
    void excludeWinsOverInclude() {
        RepositoryFilter filter = new RepositoryFilter(List.of("team-*/**"), List.of("team-*/legacy-*", "**/scratch"));

        assertThat(filter.accepts("team-a/shop")).isTrue();
        assertThat(filter.accepts("team-a/legacy-shop")).isFalse();
        assertThat(filter.describeRejection("team-a/legacy-shop"))
                .isEqualTo("repository 'team-a/legacy-shop' matches exclude pattern 'team-*/legacy-*'");
        assertThat(filter.describeRejection("team-b/x/scratch"))
                .isEqualTo("repository 'team-b/x/scratch' matches exclude pattern '**/scratch'");
        assertThat(filter.describeRejection("other/app"))
                .isEqualTo("repository 'other/app' matches no include pattern [team-*/**]");
    }

    @Test
    void excludeAloneRefusesOnlyWhatItMatches() {
        RepositoryFilter filter = new RepositoryFilter(List.of(), List.of("distill/**"));

        assertThat(filter.accepts("demo/app")).isTrue();
        assertThat(filter.accepts("distill/base-cc")).isFalse();
    }

    @Test
    void describingAnAcceptedRepositoryIsAMistake() {
        assertThatThrownBy(() -> RepositoryFilter.acceptingAll().describeRejection("demo/app"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'demo/app' is accepted");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "demo//app", "/demo", "demo/", "Demo/*", "demo/a?p", "demo/[ab]", "demo/**x",
            "***", "**/**/app", "demo app"})
    void malformedPatternsAreRefusedNamingThePattern(String pattern) {
        assertThatThrownBy(() -> new RepositoryFilter(List.of("ok/*"), List.of(pattern)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("exclude pattern '" + pattern + "'");
    }

    @Test
    void malformedIncludeSaysSo() {
        assertThatThrownBy(() -> new RepositoryFilter(List.of("team-*/**", "Team/*"), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("include pattern 'Team/*' has characters other than lowercase letters, digits, '.', '_',"
                        + " '-', '/' and '*'");
    }
}
