package dev.cudastack.kb;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Parsing, ordering and range containment, on examples and as properties. */
class VersionTest {
  @Test
  void textFarLongerThanAnyVersionIsNoVersionAndDoesNotOverflowTheStack() {
    assertThat(Version.parse("2.1" + "1.".repeat(40000))).isEmpty();
    assertThat(Version.parse("2." + "1".repeat(300))).isEmpty();
  }

  @Test
  void examples() {
    assertThat(Version.of("580.95.05")).isLessThan(Version.of("580.159.04"));
    assertThat(Version.of("12.6")).isEqualByComparingTo(Version.of("12.6.0"));
    assertThat(Version.of("2.5.1+cu121").local()).isEqualTo("cu121");
    assertThat(Version.of("2.5.1")).isLessThan(Version.of("2.5.1+cu121"));
    assertThat(Version.of("0.14.0.dev0")).isLessThan(Version.of("0.14.0rc1"));
    assertThat(Version.of("0.14.0rc1")).isLessThan(Version.of("0.14.0"));
    assertThat(Version.of("0.14.0")).isLessThan(Version.of("0.14.0.post1"));
    assertThat(Version.of("2.8.0.post1").post()).isEqualTo(1);
    assertThat(Version.of("1.0a1")).isLessThan(Version.of("1.0b1"));
    assertThat(Version.parse("not-a-version")).isEmpty();
    assertThat(Version.parse("")).isEmpty();
  }

  @Test
  void ranges() {
    assertThat(VersionRange.of(">=525.60.13,<526").contains(Version.of("525.85.05"))).isTrue();
    assertThat(VersionRange.of(">=525.60.13,<526").contains(Version.of("535.54.03"))).isFalse();
    assertThat(VersionRange.of("==2.5.*").contains(Version.of("2.5.1+cu121"))).isTrue();
    assertThat(VersionRange.of("==2.5.1").contains(Version.of("2.5.1+cu121"))).isTrue();
    assertThat(VersionRange.of("==2.5.1+cu118").contains(Version.of("2.5.1+cu121"))).isFalse();
    assertThat(VersionRange.of("~=0.43").contains(Version.of("0.47.0"))).isTrue();
    assertThat(VersionRange.of("~=0.43.1").contains(Version.of("0.44.0"))).isFalse();
    assertThat(VersionRange.of("!=1.0,>0.9").contains(Version.of("1.0"))).isFalse();
    assertThat(VersionRange.of("").contains(Version.of("1"))).isTrue();
    assertThat(VersionRange.parse(">=x")).isEmpty();
  }

  @Provide
  Arbitrary<String> versions() {
    Arbitrary<String> release = Arbitraries.integers().between(0, 999).list().ofMinSize(1).ofMaxSize(4)
        .map(l -> String.join(".", l.stream().map(String::valueOf).toList()));
    Arbitrary<String> suffix = Arbitraries.of("", "a1", "b2", "rc1", ".post1", ".dev0", "+cu121", "+cpu", ".post2.dev3", "rc2+rocm6.2");
    return Combinators.combine(release, suffix).as((r, s) -> r + s);
  }

  @Property(tries = 500)
  void everyGeneratedVersionParsesAndEqualsItself(@ForAll("versions") String v) {
    Version p = Version.of(v);
    assertThat(p.compareTo(Version.of(v))).isZero();
    assertThat(p.toString()).isEqualTo(v);
  }

  @Property(tries = 500)
  void orderingIsAntisymmetricAndTransitive(@ForAll("versions") String a, @ForAll("versions") String b, @ForAll("versions") String c) {
    Version x = Version.of(a);
    Version y = Version.of(b);
    Version z = Version.of(c);
    assertThat(Integer.signum(x.compareTo(y))).isEqualTo(-Integer.signum(y.compareTo(x)));
    if (x.compareTo(y) <= 0 && y.compareTo(z) <= 0) {
      assertThat(x.compareTo(z)).isLessThanOrEqualTo(0);
    }
  }

  @Property(tries = 500)
  void aRangeContainsItsOwnBounds(@ForAll("versions") String a, @ForAll("versions") String b) {
    Version lo = Version.of(a).public_();
    Version hi = Version.of(b).public_();
    if (lo.compareTo(hi) > 0) {
      return;
    }
    VersionRange r = VersionRange.of(">=" + lo + ",<=" + hi);
    assertThat(r.contains(lo)).isTrue();
    assertThat(r.contains(hi)).isTrue();
    assertThat(VersionRange.of(">" + hi).contains(lo)).isFalse();
  }

  @Property(tries = 300)
  void arbitraryTextNeverThrows(@ForAll String s) {
    Version.parse(s);
    VersionRange.parse(s);
  }
}
