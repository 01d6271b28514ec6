package dev.cudastack.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cudastack.testing.Toolchain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real shared objects built here with gcc — chosen SONAMEs, DT_RPATH or DT_RUNPATH, versioned
 * symbols from a version script — read by the ELF reader and run through the loader simulation,
 * including the nvJitLink case: a torch-like library finds its direct dependency through its
 * RPATH, but that library's RUNPATH loses to LD_LIBRARY_PATH, where an older copy lacks a
 * versioned symbol.
 */
class LoaderTest {
  @TempDir static Path dir;
  static Path gcc;

  /** A wheel-like tree: wheel/{libnvj.so.12 (defines ..._12_1 and _12_4), libcsp.so.12 (RUNPATH $ORIGIN)}, torch/libtc.so (RPATH $ORIGIN/../wheel), old/libnvj.so.12 (only _12_1). */
  @BeforeAll
  static void build() {
    Optional<Path> g = Toolchain.gcc();
    assumeTrue(g.isPresent(), "no gcc on this machine: the loader tests build their libraries with it");
    gcc = g.get();
    Toolchain.write(dir, "nvj.map", "libnvj.so.12 { global: nvjComplete_12_1; nvjComplete_12_4; local: *; };\n");
    Toolchain.write(dir, "nvj_old.map", "libnvj.so.12 { global: nvjComplete_12_1; local: *; };\n");
    Toolchain.write(dir, "nvj.c", "int nvjComplete_12_1(void) { return 121; }\nint nvjComplete_12_4(void) { return 124; }\n");
    Toolchain.write(dir, "nvj_old.c", "int nvjComplete_12_1(void) { return 121; }\n");
    Toolchain.write(dir, "csp.c", "int nvjComplete_12_4(void);\nint cspSolve(void) { return nvjComplete_12_4(); }\n");
    Toolchain.write(dir, "tc.c", "int cspSolve(void);\nint tcRun(void) { return cspSolve(); }\n");
    mkdirs("wheel", "old", "torch", "both");
    cc("-shared", "-fPIC", "-o", "wheel/libnvj.so.12", "nvj.c", "-Wl,-soname,libnvj.so.12", "-Wl,--version-script=nvj.map");
    cc("-shared", "-fPIC", "-o", "old/libnvj.so.12", "nvj_old.c", "-Wl,-soname,libnvj.so.12", "-Wl,--version-script=nvj_old.map");
    cc("-shared", "-fPIC", "-o", "wheel/libcsp.so.12", "csp.c", "-Wl,-soname,libcsp.so.12", "wheel/libnvj.so.12", "-Wl,--enable-new-dtags,-rpath,$ORIGIN");
    cc("-shared", "-fPIC", "-o", "torch/libtc.so", "tc.c", "-Wl,-soname,libtc.so", "wheel/libcsp.so.12", "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../wheel");
    // Version nodes, as glibc's: the consumer needs PROV_2.0, the old provider defines only PROV_1.0.
    Toolchain.write(dir, "prov.map", "PROV_1.0 { global: f1; local: *; };\nPROV_2.0 { global: f2; } PROV_1.0;\n");
    Toolchain.write(dir, "prov_old.map", "PROV_1.0 { global: f1; f2; local: *; };\n");
    Toolchain.write(dir, "prov.c", "int f1(void) { return 1; }\nint f2(void) { return 2; }\n");
    Toolchain.write(dir, "use.c", "int f2(void);\nint use(void) { return f2(); }\n");
    mkdirs("provnew", "provold");
    cc("-shared", "-fPIC", "-o", "provnew/libprov.so.1", "prov.c", "-Wl,-soname,libprov.so.1", "-Wl,--version-script=prov.map");
    cc("-shared", "-fPIC", "-o", "provold/libprov.so.1", "prov.c", "-Wl,-soname,libprov.so.1", "-Wl,--version-script=prov_old.map");
    cc("-shared", "-fPIC", "-o", "provnew/libuse.so", "use.c", "provnew/libprov.so.1", "-Wl,--enable-new-dtags,-rpath,$ORIGIN");
    // RPATH is inherited by the objects a library loads, unless they have a RUNPATH of their own.
    Toolchain.write(dir, "child.c", "int cspSolve(void);\nint childRun(void) { return cspSolve(); }\n");
    Toolchain.write(dir, "child2.c", "int cspSolve(void);\nint child2Run(void) { return cspSolve(); }\n");
    Toolchain.write(dir, "parent.c", "int childRun(void);\nint child2Run(void);\nint parentRun(void) { return childRun() + child2Run(); }\n");
    cc("-shared", "-fPIC", "-o", "both/libchild.so", "child.c", "-Wl,-soname,libchild.so", "wheel/libcsp.so.12", "-Wl,--enable-new-dtags,-rpath,/nowhere");
    cc("-shared", "-fPIC", "-o", "both/libchild2.so", "child2.c", "-Wl,-soname,libchild2.so", "wheel/libcsp.so.12");
    cc("-shared", "-fPIC", "-o", "torch/libparent.so", "parent.c", "both/libchild.so", "both/libchild2.so", "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../both:$ORIGIN/../wheel");
  }

  private static void mkdirs(String... names) {
    for (String n : names) {
      try {
        Files.createDirectories(dir.resolve(n));
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static void cc(String... args) {
    List<String> argv = new ArrayList<>(List.of(gcc.toString()));
    argv.addAll(List.of(args));
    Toolchain.run(dir, argv);
  }

  /** The host filesystem, as the loader's seam. */
  static Loader.Fs host() {
    return new Loader.Fs() {
      @Override
      public Optional<String> file(String p) {
        Path path = Path.of(p);
        try {
          return Files.isRegularFile(path) ? Optional.of(path.toRealPath().toString()) : Optional.empty();
        } catch (java.io.IOException e) {
          return Optional.empty();
        }
      }

      @Override
      public Path host(String p) {
        return Path.of(p);
      }
    };
  }

  private static Loader loader(String ld) {
    return new Loader(host(), ld, Map.of(), List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"), "lib/x86_64-linux-gnu");
  }

  @Test
  void theReaderSeesSonamesPathsAndVersions() throws Exception {
    ElfFile nvj = ElfFile.read(dir.resolve("wheel/libnvj.so.12"), true);
    assertThat(nvj.soname()).isEqualTo("libnvj.so.12");
    assertThat(nvj.versionsDefined()).containsExactly("libnvj.so.12");
    assertThat(nvj.symbols()).contains(new ElfFile.Symbol("nvjComplete_12_4", "libnvj.so.12", true));
    ElfFile csp = ElfFile.read(dir.resolve("wheel/libcsp.so.12"), true);
    assertThat(csp.runpath()).containsExactly("$ORIGIN");
    assertThat(csp.rpath()).isEmpty();
    assertThat(csp.needed()).contains("libnvj.so.12");
    assertThat(csp.versionsNeeded()).anySatisfy(n -> {
      assertThat(n.file()).isEqualTo("libnvj.so.12");
      assertThat(n.versions()).containsExactly("libnvj.so.12");
    });
    assertThat(csp.symbols()).contains(new ElfFile.Symbol("nvjComplete_12_4", "libnvj.so.12", false));
    ElfFile tc = ElfFile.read(dir.resolve("torch/libtc.so"), false);
    assertThat(tc.rpath()).containsExactly("$ORIGIN/../wheel");
    assertThat(tc.runpath()).isEmpty();
    assertThat(tc.symbols()).isEmpty();
  }

  @Test
  void ldLibraryPathCannotShadowRpathButShadowsRunpath() {
    String tc = dir.resolve("torch/libtc.so").toString();
    Loader.Plan plan = loader(dir.resolve("old").toString()).plan(tc, true);
    Loader.Load csp = plan.load("libcsp.so.12").orElseThrow();
    assertThat(csp.path()).isEqualTo(dir.resolve("wheel/libcsp.so.12").toString());
    assertThat(csp.how()).startsWith("DT_RPATH of libtc.so ($ORIGIN/../wheel = " + dir.resolve("wheel") + ")");
    Loader.Load nvj = plan.load("libnvj.so.12").orElseThrow();
    assertThat(nvj.path()).isEqualTo(dir.resolve("old/libnvj.so.12").toString());
    assertThat(nvj.how()).isEqualTo("LD_LIBRARY_PATH (" + dir.resolve("old") + ")");
    assertThat(nvj.by()).endsWith("wheel/libcsp.so.12");
    assertThat(plan.unresolved()).singleElement().satisfies(u -> {
      assertThat(u.symbol()).isEqualTo("nvjComplete_12_4");
      assertThat(u.version()).isEqualTo("libnvj.so.12");
      assertThat(u.provider()).endsWith("old/libnvj.so.12");
      assertThat(u.providerDefines()).isEqualTo("nvjComplete_12_1");
    });
    // Without LD_LIBRARY_PATH, cusparse's RUNPATH finds the wheel's copy and every symbol resolves.
    Loader.Plan clean = loader(null).plan(tc, true);
    assertThat(clean.load("libnvj.so.12").orElseThrow().how()).startsWith("DT_RUNPATH of libcsp.so.12 ($ORIGIN");
    assertThat(clean.unresolved()).isEmpty();
    assertThat(clean.missing()).isEmpty();
  }

  @Test
  void inheritedRpathStopsAtAnObjectWithRunpath() {
    // libparent (RPATH both:wheel) loads libchild (RUNPATH /nowhere) and libchild2 (no path). libcsp is
    // needed by both: BFS asks for it first on libchild's behalf, where the parent's RPATH does not count.
    Loader.Plan plan = loader(null).plan(dir.resolve("torch/libparent.so").toString(), false);
    assertThat(plan.load("libchild.so").orElseThrow().how()).startsWith("DT_RPATH of libparent.so");
    assertThat(plan.missing()).singleElement().satisfies(m -> {
      assertThat(m.needed()).isEqualTo("libcsp.so.12");
      assertThat(m.by()).endsWith("both/libchild.so");
      assertThat(m.searched()).contains("/nowhere/libcsp.so.12").noneMatch(s -> s.contains("/wheel/"));
    });
    // libchild2 has no RUNPATH: the parent's RPATH is inherited and finds it.
    assertThat(plan.loads()).anySatisfy(l -> {
      assertThat(l.needed()).isEqualTo("libcsp.so.12");
      assertThat(l.by()).endsWith("both/libchild2.so");
      assertThat(l.how()).startsWith("DT_RPATH of libparent.so");
    });
  }

  @Test
  void aVersionNodeTheProviderLacks() {
    String use = dir.resolve("provnew/libuse.so").toString();
    assertThat(loader(null).plan(use, true).unresolved()).isEmpty();
    Loader.Plan old = loader(dir.resolve("provold").toString()).plan(use, true);
    assertThat(old.unresolved()).anySatisfy(u -> {
      assertThat(u.symbol()).isEmpty();
      assertThat(u.version()).isEqualTo("PROV_2.0");
      assertThat(u.provider()).endsWith("provold/libprov.so.1");
      assertThat(u.providerDefines()).contains("PROV_1.0");
    });
  }

  @Test
  void aNonElfFileIsAMessage() throws Exception {
    Path fake = Toolchain.write(dir, "libfake.so", "this is not an ELF file");
    Loader.Plan plan = loader(null).plan(fake.toString(), true);
    assertThat(plan.problems()).singleElement().asString().contains("not a valid ELF file");
  }

  /** A machine tree under {@code root} seen through the probe's filesystem, as the doctor wires the loader. */
  private static Loader rooted(Path root, String ld, Map<String, List<String>> cache) {
    dev.cudastack.probe.MachineFs fs = dev.cudastack.probe.MachineFs.rooted(root);
    Loader.Fs seam = new Loader.Fs() {
      @Override
      public Optional<String> file(String p) {
        dev.cudastack.probe.MachineFs.Resolved r = fs.resolve(p);
        return r.ok() && fs.isFile(r.path()) ? Optional.of(r.path()) : Optional.empty();
      }

      @Override
      public Path host(String p) {
        return fs.host(p);
      }
    };
    return new Loader(seam, ld, cache, List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"), "lib/x86_64-linux-gnu");
  }

  @Test
  void dotDotAfterASymlinkedDirectoryIsLeftToTheFilesystem() throws Exception {
    // top/lnk -> ../real/a/lib; libtop's RUNPATH $ORIGIN/../dep is top/lnk/../dep = real/a/dep for the
    // kernel, not top/dep (a decoy there would be taken by a textual rewrite).
    Path t = dir.resolve("dotdot");
    Files.createDirectories(t.resolve("real/a/lib"));
    Files.createDirectories(t.resolve("real/a/dep"));
    Files.createDirectories(t.resolve("top/dep"));
    Files.createSymbolicLink(t.resolve("top/lnk"), Path.of("../real/a/lib"));
    Toolchain.write(t, "dep.c", "int depRun(void) { return 1; }\n");
    Toolchain.write(t, "top.c", "int depRun(void);\nint topRun(void) { return depRun(); }\n");
    Toolchain.run(t, List.of(gcc.toString(), "-shared", "-fPIC", "-o", "real/a/dep/libdep.so", "dep.c", "-Wl,-soname,libdep.so"));
    Toolchain.run(t, List.of(gcc.toString(), "-shared", "-fPIC", "-o", "top/dep/libdep.so", "dep.c", "-Wl,-soname,libdep.so"));
    Toolchain.run(t, List.of(gcc.toString(), "-shared", "-fPIC", "-o", "real/a/lib/libtop.so", "top.c", "real/a/dep/libdep.so", "-Wl,-soname,libtop.so",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../dep"));
    String opened = t.resolve("top/lnk/../dep/libdep.so").toString();
    // host filesystem
    Loader.Load dep = loader(null).plan(t.resolve("top/lnk/libtop.so").toString(), true).load("libdep.so").orElseThrow();
    assertThat(Path.of(dep.path()).toRealPath()).isEqualTo(t.resolve("real/a/dep/libdep.so").toRealPath());
    assertThat(dep.path()).isEqualTo(opened);
    assertThat(dep.how()).isEqualTo("DT_RUNPATH of libtop.so ($ORIGIN/../dep = " + t.resolve("top/lnk/../dep") + ")");
    // the same tree as a --root, through MachineFs
    Loader.Plan plan = rooted(t, null, Map.of()).plan("/top/lnk/libtop.so", true);
    assertThat(plan.load("libdep.so").orElseThrow().path()).isEqualTo("/top/lnk/../dep/libdep.so");
    assertThat(dev.cudastack.probe.MachineFs.rooted(t).resolve("/top/lnk/../dep/libdep.so").path()).isEqualTo("/real/a/dep/libdep.so");
    assertThat(plan.missing()).isEmpty();
    assertThat(plan.problems()).isEmpty();
    // where the textual form names the same file it is the one shown, as before
    Loader.Load direct = loader(null).plan(t.resolve("real/a/lib/libtop.so").toString(), false).load("libdep.so").orElseThrow();
    assertThat(direct.path()).isEqualTo(t.resolve("real/a/dep/libdep.so").toString());
  }

  @Test
  void relativeRunpathEntriesAreRelativeToTheWorkingDirectoryAndNotSearched() throws Exception {
    // R/libq.so and R/lib/libq.so: "." and "lib" must not become "/" and "/lib"
    Path r = dir.resolve("relroot");
    Files.createDirectories(r.resolve("lib"));
    Files.createDirectories(r.resolve("app"));
    Toolchain.write(r, "q.c", "int q(void) { return 1; }\n");
    Toolchain.write(r, "gone.c", "int gone(void) { return 1; }\n");
    Toolchain.write(r, "app.c", "int q(void);\nint gone(void);\nint app(void) { return q() + gone(); }\n");
    Toolchain.run(r, List.of(gcc.toString(), "-shared", "-fPIC", "-o", "libq.so", "q.c", "-Wl,-soname,libq.so"));
    Toolchain.run(r, List.of(gcc.toString(), "-shared", "-fPIC", "-o", "lib/libq.so", "q.c", "-Wl,-soname,libq.so"));
    Toolchain.run(r, List.of(gcc.toString(), "-shared", "-fPIC", "-o", "libgone.so", "gone.c", "-Wl,-soname,libgone.so"));
    Toolchain.run(r, List.of(gcc.toString(), "-shared", "-fPIC", "-o", "app/libapp.so", "app.c", "libq.so", "libgone.so", "-Wl,--enable-new-dtags,-rpath,.:lib"));
    Files.delete(r.resolve("libgone.so"));
    assertThat(ElfFile.read(r.resolve("app/libapp.so"), false).runpath()).containsExactly(".", "lib");
    Loader.Plan plan = rooted(r, "sub", Map.of()).plan("/app/libapp.so", false);
    assertThat(plan.load("libq.so").orElseThrow().how()).isEqualTo("default directory /lib");
    assertThat(plan.missing()).singleElement().satisfies(m -> {
      assertThat(m.needed()).isEqualTo("libgone.so");
      assertThat(m.searched()).startsWith(
          "sub/libgone.so (relative to the process's working directory: not searched)",
          "./libgone.so (relative to the process's working directory: not searched)",
          "lib/libgone.so (relative to the process's working directory: not searched)");
      assertThat(m.searched()).doesNotContain("/libgone.so");
    });
  }

  @Test
  void aLibraryForAnotherMachineIsSkipped() throws Exception {
    // provold's libprov.so.1 with its e_machine set to AArch64 (183): in LD_LIBRARY_PATH and first in
    // ld.so.cache, ld.so passes over it
    Path arm = dir.resolve("arm");
    Files.createDirectories(arm);
    byte[] b = Files.readAllBytes(dir.resolve("provold/libprov.so.1"));
    assertThat(b[18] & 0xff | (b[19] & 0xff) << 8).isEqualTo(62);
    b[18] = (byte) 183;
    b[19] = 0;
    Files.write(arm.resolve("libprov.so.1"), b);
    Loader.Plan plan = loader(arm.toString()).plan(dir.resolve("provnew/libuse.so").toString(), false);
    assertThat(plan.load("libprov.so.1").orElseThrow().how()).startsWith("DT_RUNPATH of libuse.so");
    Toolchain.write(dir, "use2.c", "int f2(void);\nint use2(void) { return f2(); }\n");
    cc("-shared", "-fPIC", "-o", "provnew/libuse2.so", "use2.c", "provnew/libprov.so.1");
    Map<String, List<String>> cache = Map.of("libprov.so.1", List.of(arm.resolve("libprov.so.1").toString(), dir.resolve("provold/libprov.so.1").toString()));
    Loader.Plan cached = new Loader(host(), null, cache, List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"), "lib/x86_64-linux-gnu")
        .plan(dir.resolve("provnew/libuse2.so").toString(), false);
    Loader.Load prov = cached.load("libprov.so.1").orElseThrow();
    assertThat(prov.how()).isEqualTo("/etc/ld.so.cache");
    assertThat(prov.path()).isEqualTo(dir.resolve("provold/libprov.so.1").toString());
  }

  @Test
  void theRealCudaRuntime() throws Exception {
    Path cudart = Path.of("/usr/local/cuda-13.0/lib64/libcudart.so.13");
    assumeTrue(Files.exists(cudart), "no CUDA 13.0 toolkit at /usr/local/cuda-13.0");
    ElfFile e = ElfFile.read(cudart.toRealPath(), true);
    assertThat(e.soname()).isEqualTo("libcudart.so.13");
    assertThat(e.versionsDefined()).contains("libcudart.so.13");
    assertThat(e.symbols()).anySatisfy(s -> {
      assertThat(s.name()).isEqualTo("cudaRuntimeGetVersion");
      assertThat(s.defined()).isTrue();
      assertThat(s.version()).isEqualTo("libcudart.so.13");
    });
  }
}
