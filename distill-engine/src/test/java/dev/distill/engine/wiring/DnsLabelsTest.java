package dev.distill.engine.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DnsLabelsTest {

    @Test
    void sanitisingGivesALabelOrTheFallback() {
        assertThat(DnsLabels.sanitize("php-fpm", "x")).isEqualTo("php-fpm");
        assertThat(DnsLabels.sanitize("/tmp/nginx-body/", "x")).isEqualTo("tmp-nginx-body");
        assertThat(DnsLabels.sanitize("--Über__Cache--", "x")).isEqualTo("ber-cache");
        assertThat(DnsLabels.sanitize("/", "root")).isEqualTo("root");
        assertThat(DnsLabels.sanitize(null, "app")).isEqualTo("app");
        // Cut at 63 where the 63rd character would be a dash: the dash goes, the label stays valid.
        String cutAtDash = DnsLabels.sanitize("a".repeat(62) + "_b", "x");
        assertThat(cutAtDash).isEqualTo("a".repeat(62));
        assertThat(DnsLabels.isLabel(cutAtDash)).isTrue();
    }

    @Test
    void suffixesKeepTheLabelWithinItsLength() {
        String long63 = "a".repeat(63);
        assertThat(DnsLabels.withSuffix(long63, "2")).hasSize(63).endsWith("-2");
        assertThat(DnsLabels.withSuffix("a".repeat(53) + "-" + "b".repeat(9), "12345678"))
                .isEqualTo("a".repeat(53) + "-12345678");
    }

    @Test
    void theAllocatorNeverHandsOutOneNameTwice() {
        DnsLabels.Allocator names = new DnsLabels.Allocator();
        assertThat(names.allocate("web", "x")).isEqualTo("web");
        String upper = names.allocate("WEB", "x");
        assertThat(upper).matches("web-[0-9a-f]{8}");
        // The same raw name again: its own hash first, then a counter on it.
        String again = names.allocate("web", "x");
        assertThat(again).matches("web-[0-9a-f]{8}").isNotEqualTo(upper);
        assertThat(names.allocate("web", "x")).isEqualTo(again + "-2");
        assertThat(names.allocate("web", "x")).isEqualTo(again + "-3");
    }
}
