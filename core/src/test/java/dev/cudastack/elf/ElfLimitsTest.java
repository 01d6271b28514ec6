package dev.cudastack.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cudastack.testing.Toolchain;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files at the reader's limits, built here with gcc: a library exporting a function whose name is
 * longer than the 4096 bytes kept for a name, and an object with more sections than the 16-bit
 * e_shnum holds (extended section numbering, as the assembler writes it).
 */
class ElfLimitsTest {
  @TempDir static Path dir;
  static Path gcc;

  @BeforeAll
  static void compiler() {
    Optional<Path> g = Toolchain.gcc();
    assumeTrue(g.isPresent(), "no gcc on this machine: these tests build their files with it");
    gcc = g.get();
  }

  @Test
  void aSymbolNameLongerThanTheLimitLeavesOutThatSymbolOnly() throws Exception {
    String longName = "f" + "x".repeat(5000);
    Toolchain.write(dir, "long.c", "int " + longName + "(void) { return 1; }\nint shortOne(void) { return 2; }\nint useIt(void) { return " + longName + "(); }\n");
    Toolchain.run(dir, List.of(gcc.toString(), "-shared", "-fPIC", "-o", "liblong.so", "long.c", "-Wl,-soname,liblong.so"));
    ElfFile e = ElfFile.read(dir.resolve("liblong.so"), true);
    assertThat(e.soname()).isEqualTo("liblong.so");
    assertThat(e.symbols()).extracting(ElfFile.Symbol::name).contains("shortOne", "useIt").noneMatch(n -> n.startsWith("fxxx"));
    // and the loader reads it as a library like any other
    Loader.Plan plan = new Loader(LoaderTest.host(), null, Map.of(), List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"), "lib/x86_64-linux-gnu")
        .plan(dir.resolve("liblong.so").toString(), true);
    assertThat(plan.problems()).isEmpty();
    assertThat(plan.missing()).isEmpty();
  }

  @Test
  void extendedSectionNumbering() throws Exception {
    StringBuilder asm = new StringBuilder();
    int n = 66_000;
    for (int i = 0; i < n; i++) {
      asm.append(".section .s").append(i).append(",\"a\"\n.byte ").append(i % 256).append('\n');
    }
    Toolchain.write(dir, "many.s", asm.toString());
    Toolchain.run(dir, List.of(gcc.toString(), "-c", "-o", "many.o", "many.s"));
    Path o = dir.resolve("many.o");
    byte[] head = java.nio.file.Files.readAllBytes(o);
    // the file really uses it: e_shnum 0 and e_shstrndx SHN_XINDEX, the real values in section 0
    assertThat(head[0x3c] | head[0x3d]).isZero();
    assertThat(head[0x3e] & head[0x3f] & 0xff).isEqualTo(0xff);
    ElfFile e = ElfFile.read(o, false);
    assertThat(e.sections().size()).isGreaterThan(n);
    assertThat(e.section(".s0")).isPresent();
    assertThat(e.section(".s65999")).get().satisfies(s -> assertThat(s.size()).isEqualTo(1));
    assertThat(e.section(".shstrtab")).isPresent();
  }
}
