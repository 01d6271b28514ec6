package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.testing.Capture;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small parsers, on real recordings where we have them. */
class TextParsersTest {
  @Test
  void nvidiaSmiBannerBothLayouts() {
    String captured = Capture.output("nvidia-smi.txt");
    assertThat(NvidiaSmiOutput.bannerDriver(captured)).contains("580.159.04");
    assertThat(NvidiaSmiOutput.bannerCuda(captured)).contains("13.0");
    // The R610+ layout, as quoted in ../shared/research/kb-nvidia.md (section B).
    String r610 = "| NVIDIA-SMI 610.57.04   KMD Version: 610.57.04   CUDA UMD Version: 13.3 |";
    assertThat(NvidiaSmiOutput.bannerDriver(r610)).contains("610.57.04");
    assertThat(NvidiaSmiOutput.bannerCuda(r610)).contains("13.3");
    assertThat(NvidiaSmiOutput.versionMismatch("Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 535.183")).isTrue();
  }

  @Test
  void nvidiaSmiQueryWithAndWithoutHeaderAndUnits() {
    var rows = NvidiaSmiOutput.parseQuery(Capture.output("nvidia-smi-query.txt"));
    assertThat(rows).singleElement().satisfies(r -> {
      assertThat(r.name()).isEqualTo("NVIDIA H100 80GB HBM3");
      assertThat(r.computeCapability()).isEqualTo("9.0");
      assertThat(r.memoryMiB()).isEqualTo(81559L);
      assertThat(r.busId()).isEqualTo("00000000:00:06.0");
    });
    assertThat(NvidiaSmiOutput.parseQuery("0, Tesla V100-SXM2-32GB, GPU-x, 00000000:3B:00.0, 560.35.03, 7.0, 32768, 88.00.4F.00.09\nbroken line\n"))
        .singleElement().satisfies(r -> assertThat(r.memoryMiB()).isEqualTo(32768L));
  }

  @Test
  void procDriverVersionOpenAndProprietary() {
    String open = Capture.output("proc-driver.txt");
    assertThat(DriverTexts.nvrmLine(open)).hasValueSatisfying(e -> {
      assertThat(e.getKey()).isEqualTo("580.159.04");
      assertThat(e.getValue()).isEqualTo("NVIDIA UNIX Open Kernel Module for x86_64");
    });
    assertThat(DriverTexts.nvrmLine("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.90.07  Fri May 31 09:35:42 UTC 2024"))
        .hasValueSatisfying(e -> assertThat(e.getKey()).isEqualTo("550.90.07"));
    assertThat(DriverTexts.libraryFileVersion("libcuda.so.580.159.04")).contains("580.159.04");
    assertThat(DriverTexts.libraryFileVersion("libcuda.so.1")).isEmpty();
    Map<String, String> info = DriverTexts.gpuInformation(open.substring(open.indexOf("Model:")));
    assertThat(info).containsEntry("Model", "NVIDIA H100 80GB HBM3").containsEntry("Bus Location", "0000:00:06.0");
  }

  @Test
  void toolkitVersionSources() {
    assertThat(ToolkitTexts.nvccVersion(Capture.output("which-nvcc.txt"))).contains("13.0.88");
    assertThat(ToolkitTexts.nvccVersion("Cuda compilation tools, release 10.1, V10.1.243")).contains("10.1.243");
    assertThat(ToolkitTexts.cudaHeader(Capture.output("cuda-include.txt"))).contains("13.0");
    assertThat(ToolkitTexts.versionTxt("CUDA Version 10.1.243\n")).contains("10.1.243");
    assertThat(ToolkitTexts.versionJson("{\"cuda\" : {\"name\" : \"CUDA SDK\",\n \"version\" : \"12.6.2\"}, \"cuda_nvcc\": {\"version\": \"12.6.77\"}}")).contains("12.6.2");
    assertThat(ToolkitTexts.versionJson("{\"cuda\": {\"name\": \"CUDA SDK\", \"vers")).isEmpty();
  }

  @Test
  void compilersAndCudnn() {
    assertThat(CompilerTexts.compilerVersion(Capture.output("gcc.txt"))).contains("13.3.0");
    assertThat(CompilerTexts.compilerVersion("Debian clang version 14.0.6\nTarget: x86_64-pc-linux-gnu")).contains("14.0.6");
    assertThat(CompilerTexts.compilerVersion("gcc (GCC) 9.4.0\n")).contains("9.4.0");
    // The capture greps two headers: the system's (9.14.0) and then the pip wheel's (9.19.0).
    java.util.List<String> defines = Capture.output("cuda-include.txt").lines().filter(l -> l.contains("CUDNN_")).toList();
    assertThat(CompilerTexts.cudnnVersion(String.join("\n", defines.subList(0, 3)))).contains("9.14.0");
    assertThat(CompilerTexts.cudnnVersion(String.join("\n", defines.subList(3, 6)))).contains("9.19.0");
  }

  @Test
  void osReleaseAndEnvFiles() {
    assertThat(OsRelease.parse(Capture.output("os-release.txt"))).hasValueSatisfying(d -> {
      assertThat(d.id()).isEqualTo("ubuntu");
      assertThat(d.versionId()).isEqualTo("24.04");
    });
    assertThat(OsRelease.parse("garbage\n\u0000")).isEmpty();
    assertThat(EnvFile.parse("# c\nexport A=1\nB='two words'\n=x\nbad line\nC=\"q\"\n"))
        .containsExactly(Map.entry("A", "1"), Map.entry("B", "two words"), Map.entry("C", "q"));
  }

  @Test
  void glibcBannerInARealLibc() throws Exception {
    java.nio.file.Path libc = java.nio.file.Path.of("/lib/x86_64-linux-gnu/libc.so.6");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(libc), "no x86_64 glibc here");
    CommandResult r = new ProcessCommandRunner(null).run(java.util.List.of("getconf", "GNU_LIBC_VERSION"), java.time.Duration.ofSeconds(10));
    assertThat(OsProbe.glibcBanner(java.nio.file.Files.readAllBytes(libc))).contains(r.stdout().strip().replace("glibc ", ""));
  }
}
