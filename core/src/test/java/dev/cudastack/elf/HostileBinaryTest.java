package dev.cudastack.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Mutated real binaries (a system library and a fat binary section built by nvcc's format) fed to
 * the readers: they return or say "not a valid ELF file", never throw anything else, never read
 * outside the bytes, and finish quickly.
 */
class HostileBinaryTest {
  private static final byte[] ELF = load();

  private static byte[] load() {
    for (String p : new String[] {"/usr/local/cuda-13.0/lib64/libcudart.so.13", "/lib/x86_64-linux-gnu/libz.so.1", "/bin/ls"}) {
      try {
        Path path = Path.of(p);
        if (Files.exists(path)) {
          return Files.readAllBytes(path.toRealPath());
        }
      } catch (java.io.IOException e) {
        // try the next one
      }
    }
    throw new AssertionError("no ELF file to mutate on this machine");
  }

  /** A mutation: flip some bytes, overwrite some with extreme values, then maybe truncate. */
  record Mutation(int[] offsets, int[] values, int keep) {}

  @Provide
  Arbitrary<Mutation> mutations() {
    Arbitrary<int[]> offsets = Arbitraries.integers().between(0, Math.min(ELF.length - 1, 8192)).array(int[].class).ofMinSize(1).ofMaxSize(40);
    Arbitrary<int[]> values = Arbitraries.integers().between(0, 255).array(int[].class).ofSize(40);
    Arbitrary<Integer> keep = Arbitraries.oneOf(Arbitraries.just(ELF.length), Arbitraries.integers().between(0, ELF.length));
    return Combinators.combine(offsets, values, keep).as(Mutation::new);
  }

  @Property(tries = 300)
  void mutatedElfNeverEscapes(@ForAll("mutations") Mutation m) {
    byte[] b = java.util.Arrays.copyOf(ELF, m.keep());
    for (int i = 0; i < m.offsets().length; i++) {
      if (m.offsets()[i] < b.length) {
        b[m.offsets()[i]] = (byte) (i % 3 == 0 ? 0xff : m.values()[i]);
      }
    }
    long t = System.nanoTime();
    try {
      ElfFile e = ElfFile.parse("mutant", MemorySegment.ofArray(b), true);
      assertThat(e.symbols().size()).isLessThan(5_000_001);
    } catch (ElfFile.NotElf expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
    assertThat((System.nanoTime() - t) / 1_000_000).as("milliseconds").isLessThan(2000);
  }

  @Property(tries = 300)
  void arbitraryFatbinBytesNeverEscape(@ForAll byte[] raw, @ForAll boolean withMagic) {
    byte[] b = raw;
    if (withMagic && b.length >= 16) {
      b = raw.clone();
      b[0] = 0x50;
      b[1] = (byte) 0xed;
      b[2] = 0x55;
      b[3] = (byte) 0xba;
    }
    DeviceCode d = DeviceCode.parse(MemorySegment.ofArray(b));
    assertThat(d.fatbins()).isGreaterThanOrEqualTo(0);
    assertThat(d.fit(90, "9.0")).isNotNull();
  }
}
