package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The loader cache reader against caches that glibc's own ldconfig wrote on this machine, in all
 * three layouts, compared entry by entry with what {@code ldconfig -p} prints for the same file.
 */
class LdSoCacheTest {
  private static final Pattern LINE = Pattern.compile("^\\s+(\\S+) \\(([^)]*)\\) => (\\S+)$");
  @TempDir Path tmp;

  private static boolean haveLdconfig() {
    return Files.isExecutable(Path.of("/sbin/ldconfig")) || Files.isExecutable(Path.of("/usr/sbin/ldconfig"));
  }

  private static String ldconfig() {
    return Files.isExecutable(Path.of("/sbin/ldconfig")) ? "/sbin/ldconfig" : "/usr/sbin/ldconfig";
  }

  /** What ldconfig -p says about a cache file: name, flags, path per entry, in its order. */
  private static List<String> ldconfigList(Path cache) {
    CommandResult r = new ProcessCommandRunner(null).run(List.of(ldconfig(), "-p", "-C", cache.toString()), Duration.ofSeconds(30));
    assertThat(r.ok()).as(r.failure()).isTrue();
    List<String> out = new ArrayList<>();
    for (String l : r.stdout().split("\n")) {
      Matcher m = LINE.matcher(l);
      if (m.matches()) {
        out.add(m.group(1) + " (" + m.group(2) + ") => " + m.group(3));
      }
    }
    return out;
  }

  private static List<String> ours(Path cache) throws Exception {
    return LdSoCache.parse(Files.readAllBytes(cache)).entries().stream()
        .map(e -> e.name() + " (" + e.describeFlags() + ") => " + e.path()).toList();
  }

  @Test
  void thisMachinesOwnCache() throws Exception {
    Path cache = Path.of("/etc/ld.so.cache");
    assumeTrue(Files.isReadable(cache) && haveLdconfig(), "no /etc/ld.so.cache or ldconfig here");
    List<String> expected = ldconfigList(cache);
    assertThat(expected).isNotEmpty();
    assertThat(ours(cache)).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"old", "new", "compat"})
  void everyLayoutThatLdconfigWrites(String format) throws Exception {
    assumeTrue(haveLdconfig(), "no ldconfig here");
    Path conf = Files.writeString(tmp.resolve("ld.so.conf"), "/usr/local/cuda-13.0/lib\n");
    Path cache = tmp.resolve(format + ".cache");
    CommandResult r = new ProcessCommandRunner(null).run(List.of(ldconfig(), "-c", format, "-C", cache.toString(), "-f", conf.toString()), Duration.ofSeconds(60));
    assertThat(r.ok()).as(r.failure()).isTrue();
    LdSoCache.Parsed parsed = LdSoCache.parse(Files.readAllBytes(cache));
    assertThat(parsed.format()).isEqualTo(format);
    assertThat(ours(cache)).containsExactlyElementsOf(ldconfigList(cache));
  }

  @Test
  void truncatedAndMutatedCachesFailCleanly() throws Exception {
    Path cache = Path.of("/etc/ld.so.cache");
    assumeTrue(Files.isReadable(cache), "no /etc/ld.so.cache here");
    byte[] real = Files.readAllBytes(cache);
    assertThatThrownBy(() -> LdSoCache.parse(Arrays.copyOf(real, 40))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LdSoCache.parse(new byte[] {1, 2, 3})).isInstanceOf(IllegalArgumentException.class);
    Random rnd = new Random(42);
    for (int i = 0; i < 300; i++) {
      byte[] m = Arrays.copyOf(real, rnd.nextInt(real.length) + 1);
      for (int k = 0; k < 8; k++) {
        m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
      }
      try {
        LdSoCache.parse(m);
      } catch (IllegalArgumentException expected) {
        // a clear refusal is the only allowed failure
      }
    }
  }
}
