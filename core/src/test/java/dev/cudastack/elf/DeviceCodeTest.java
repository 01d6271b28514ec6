package dev.cudastack.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cudastack.testing.Toolchain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small CUDA libraries compiled here by nvcc 13.0 with chosen -gencode sets: the reader must find exactly those archs. */
class DeviceCodeTest {
  @TempDir static Path dir;
  static Path nvcc;

  private static final String KERNEL = "__global__ void add(float *a, const float *b, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) a[i] += b[i]; }\n"
      + "extern \"C\" void launch(float *a, const float *b, int n) { add<<<(n + 255) / 256, 256>>>(a, b, n); }\n";

  @BeforeAll
  static void compiler() {
    Optional<Path> n = Toolchain.nvcc();
    assumeTrue(n.isPresent(), "no nvcc 13.0 at /usr/local/cuda-13.0 (or no gcc): the device-code tests compile CUDA libraries with it");
    nvcc = n.get();
    Toolchain.write(dir, "k.cu", KERNEL);
  }

  private static DeviceCode build(String name, String... gencode) throws Exception {
    List<String> argv = new ArrayList<>(List.of(nvcc.toString(), "-shared", "-Xcompiler", "-fPIC", "-o", name, "k.cu"));
    argv.addAll(List.of(gencode));
    Toolchain.run(dir, argv);
    Path so = dir.resolve(name);
    return DeviceCode.read(so, ElfFile.read(so, false));
  }

  @Test
  void sassOnly() throws Exception {
    DeviceCode d = build("sm75.so", "-gencode", "arch=compute_75,code=sm_75");
    assertThat(d.sass()).containsExactly("sm_75");
    assertThat(d.ptx()).isEmpty();
    assertThat(d.problems()).isEmpty();
    assertThat(d.fit(75, null).supported()).isTrue();
    assertThat(d.fit(80, null).supported()).as("sm_75 SASS does not run on 8.0").isFalse();
    assertThat(d.fit(70, null).supported()).isFalse();
  }

  @Test
  void twoArchsAndPtx() throws Exception {
    DeviceCode d = build("sm75_90.so", "-gencode", "arch=compute_75,code=sm_75", "-gencode", "arch=compute_90,code=[sm_90,compute_90]");
    assertThat(d.sass()).containsExactly("sm_75", "sm_90");
    assertThat(d.ptx()).containsExactly("compute_90");
    assertThat(d.archs()).filteredOn(DeviceCode.Arch::ptx).singleElement().satisfies(a -> assertThat(a.ptxIsa()).isEqualTo("9.0"));
    assertThat(d.fit(90, null).supported()).isTrue();
    // 12.0 (RTX 5090) runs only the PTX: fine for a driver that JITs PTX ISA 9.0, not for one limited to 8.8.
    assertThat(d.fit(120, "9.0").supported()).isTrue();
    assertThat(d.fit(120, "8.8").supported()).isFalse();
    assertThat(d.fit(86, null).supported()).isFalse();
  }

  @Test
  void ptxOnlyCompressedAndArchSpecific() throws Exception {
    DeviceCode ptx = build("ptx90.so", "-gencode", "arch=compute_90,code=compute_90");
    assertThat(ptx.sass()).isEmpty();
    assertThat(ptx.ptx()).containsExactly("compute_90");
    DeviceCode zipped = build("zip.so", "-gencode", "arch=compute_75,code=sm_75", "-gencode", "arch=compute_86,code=sm_86", "-Xfatbin", "-compress-all");
    assertThat(zipped.compressed()).isTrue();
    assertThat(zipped.sass()).containsExactly("sm_75", "sm_86");
    assertThat(zipped.fit(89, null).supported()).as("8.6 SASS runs on 8.9").isTrue();
    DeviceCode specific = build("sm90a.so", "-gencode", "arch=compute_90a,code=sm_90a", "-gencode", "arch=compute_100f,code=sm_100f");
    assertThat(specific.sass()).containsExactly("sm_90a", "sm_100f");
    assertThat(specific.fit(90, null).supported()).isTrue();
    assertThat(specific.fit(100, null).supported()).isTrue();
    assertThat(specific.fit(103, null).supported()).as("family code runs on 10.3").isTrue();
    assertThat(specific.plainArchs().sass()).isEmpty();
  }

  @Test
  void compiledThenLinkedByTheHostCompilerAsBuildSystemsDo() throws Exception {
    Toolchain.run(dir, List.of(nvcc.toString(), "-c", "-Xcompiler", "-fPIC", "-gencode", "arch=compute_80,code=sm_80", "-gencode", "arch=compute_90,code=[sm_90,compute_90]", "-o", "k.o", "k.cu"));
    Toolchain.run(dir, List.of("g++", "-shared", "-o", "linked.so", "k.o", "-L/usr/local/cuda-13.0/lib64", "-lcudart"));
    Path so = dir.resolve("linked.so");
    DeviceCode d = DeviceCode.read(so, ElfFile.read(so, false));
    assertThat(d.fatbins()).isEqualTo(1);
    assertThat(d.signatures()).singleElement().satisfies(s -> assertThat(s.archs()).containsExactly("compute_90", "sm_80", "sm_90"));
    assertThat(d.fit(86, null).supported()).as("8.0 SASS runs on 8.6").isTrue();
    assertThat(d.fit(120, null).supported()).as("PTX 9.0 JITs on 12.0").isTrue();
    assertThat(d.fit(75, null).supported()).isFalse();
  }

  @Test
  void shapedLikeTorch211sLibtorchCuda() throws Exception {
    // 444 fat binaries with sm_75..sm_120, 59 with only sm_100a/sm_103a, single ones with sm_89, sm_120a, sm_121a.
    Path f = java.nio.file.Files.createTempFile(dir, "libtorch_cuda", ".so");
    BinaryBenchmark.synthesize(f);
    DeviceCode d = DeviceCode.read(f, ElfFile.read(f, false));
    assertThat(d.fatbins()).isEqualTo(506);
    assertThat(d.archs()).filteredOn(a -> a.name().equals("sm_90")).singleElement().satisfies(a -> assertThat(a.fatbins()).isEqualTo(444));
    assertThat(d.archs()).filteredOn(a -> a.name().equals("sm_100a")).singleElement().satisfies(a -> assertThat(a.fatbins()).isEqualTo(59));
    assertThat(d.fit(90, null).supported()).as("H100").isTrue();
    assertThat(d.fit(89, null).supported()).as("RTX 4090").isTrue();
    assertThat(d.fit(100, null).supported()).as("B200").isTrue();
    assertThat(d.fit(121, null).supported()).as("GB10 runs sm_120 code").isTrue();
    assertThat(d.fit(70, null).supported()).as("V100").isFalse();
    assertThat(d.plainArchs().names()).isEqualTo("sm_75, sm_80, sm_86, sm_90, sm_100, sm_120");
  }

  @Test
  void thePtxIsaOfAnArchitectureIsTheHighestOfItsFatBinaries() throws Exception {
    // fatbinary packs PTX for compute_80 written as ISA 8.0 and as 9.0; the library carries them as
    // three fat binaries, 8.0, 9.0, 8.0, in .nv_fatbin (as nvcc's host code embeds them)
    Path fatbinary = nvcc.resolveSibling("fatbinary");
    for (String v : List.of("8.0", "9.0")) {
      Toolchain.write(dir, "k" + v + ".ptx", ".version " + v + "\n.target sm_80\n.address_size 64\n.visible .entry add(.param .u64 a) { ret; }\n");
      Toolchain.run(dir, List.of(fatbinary.toString(), "--create=k" + v + ".fatbin", "--image3=kind=ptx,sm=80,file=k" + v + ".ptx"));
    }
    Toolchain.write(dir, "embed.s", ".section .nv_fatbin,\"a\"\n.balign 8\n.incbin \"k8.0.fatbin\"\n.balign 8\n.incbin \"k9.0.fatbin\"\n.balign 8\n.incbin \"k8.0.fatbin\"\n");
    Toolchain.run(dir, List.of(Toolchain.gcc().orElseThrow().toString(), "-shared", "-o", "isa.so", "embed.s"));
    Path so = dir.resolve("isa.so");
    DeviceCode d = DeviceCode.read(so, ElfFile.read(so, false));
    assertThat(d.fatbins()).isEqualTo(3);
    assertThat(d.archs()).singleElement().satisfies(a -> {
      assertThat(a.name()).isEqualTo("compute_80");
      assertThat(a.ptxIsa()).isEqualTo("9.0");
      assertThat(a.fatbins()).isEqualTo(3);
    });
    // a driver that JITs up to ISA 8.8 cannot build the 9.0 fat binary: not every fat binary runs
    assertThat(d.fit(80, "8.8").supported()).isFalse();
    assertThat(d.fit(80, "9.0").supported()).isTrue();
  }

  @Test
  void aLibraryWithoutDeviceCode() throws Exception {
    Path cudart = Path.of("/usr/local/cuda-13.0/lib64/libcudart.so.13").toRealPath();
    DeviceCode d = DeviceCode.read(cudart, ElfFile.read(cudart, false));
    assertThat(d.fatbins()).isZero();
    assertThat(d.fit(90, null).supported()).isTrue();
  }
}
