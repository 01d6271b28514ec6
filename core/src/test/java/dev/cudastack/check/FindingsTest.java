package dev.cudastack.check;

import static dev.cudastack.testing.Scenario.SITE;
import static dev.cudastack.testing.Scenario.codes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.testing.Scenario;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every finding code on a tree where it must fire and on a near miss where it must not. The trees
 * are the shared seed trees (V100s, driver 560.35.03, CUDA 10.1 and 12.6, a conda env) copied and
 * changed one fact at a time. The base, seed-case-fixed, finds only the nvcc 12.6 / torch 12.1
 * minor mismatch.
 */
class FindingsTest {
  @TempDir Path tmp;

  private Scenario fixed() {
    return Scenario.copyOf("seed-case-fixed", tmp);
  }

  private static Finding only(Diagnosis d, String code) {
    List<Finding> f = d.findings().stream().filter(x -> x.code().equals(code)).toList();
    assertThat(f).as("%s in %s", code, codes(d)).isNotEmpty();
    return f.getFirst();
  }

  @Test
  void theBaseFindsOnlyTheMinorMismatch() {
    Diagnosis d = fixed().diagnose();
    assertThat(codes(d)).containsExactly(Codes.NVCC_TORCH_MINOR_MISMATCH);
    assertThat(d.exitCode()).isEqualTo(1);
    assertThat(d.fine()).anyMatch(s -> s.contains("driver 560.35.03 runs CUDA up to 12.6"))
        .anyMatch(s -> s.contains("bitsandbytes 0.47.0 loads libbitsandbytes_cuda121.so"));
  }

  @Test
  void noDriver() {
    Scenario s = fixed().delete("/proc/driver/nvidia").delete("/sys/module/nvidia");
    Finding f = only(s.diagnose(), Codes.NO_NVIDIA_DRIVER);
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.explanation()).contains("CUDA build of torch or bitsandbytes is installed");
    // Nothing needs a driver: only worth knowing.
    Scenario bare = Scenario.copyOf("seed-case-fixed", tmp).delete("/proc/driver/nvidia").delete("/sys/module/nvidia").delete("/home/can/miniconda3");
    Finding info = only(bare.diagnose(), Codes.NO_NVIDIA_DRIVER);
    assertThat(info.severity()).isEqualTo(Severity.INFO);
    assertThat(bare.diagnose().exitCode()).isZero();
  }

  @Test
  void driverLibraryMismatch() {
    Scenario s = fixed().libraries("565.57.01");
    Finding f = only(s.diagnose(), Codes.DRIVER_LIBRARY_MISMATCH);
    assertThat(f.title()).contains("560.35.03").contains("565.57.01");
    assertThat(codes(fixed().driver("565.57.01").diagnose())).doesNotContain(Codes.DRIVER_LIBRARY_MISMATCH);
  }

  @Test
  void driverTooOldButNotWhenMinorVersionCompatibilityCovers() {
    Finding f = only(fixed().driver("470.223.02").diagnose(), Codes.DRIVER_TOO_OLD);
    assertThat(f.explanation()).contains("CUDA 12.1").contains("supports up to CUDA 11.4");
    // torch cu124 on a 535 driver (CUDA 12.2) runs by minor-version compatibility.
    Scenario mvc = Scenario.copyOf("seed-case-fixed", tmp).driver("535.104.05").torch("2.5.1+cu124", "12.4");
    Diagnosis d = mvc.diagnose();
    assertThat(codes(d)).doesNotContain(Codes.DRIVER_TOO_OLD);
    assertThat(d.fine()).anyMatch(x -> x.contains("torch 2.5.1+cu124 (CUDA 12.4) runs on this driver by minor-version compatibility"));
  }

  @Test
  void toolkitNewerThanDriver() {
    Finding f = only(fixed().driver("535.104.05").diagnose(), Codes.TOOLKIT_NEWER_THAN_DRIVER);
    assertThat(f.severity()).isEqualTo(Severity.WARNING);
    assertThat(f.explanation()).contains("minor-version compatibility").contains("222");
    assertThat(codes(fixed().diagnose())).doesNotContain(Codes.TOOLKIT_NEWER_THAN_DRIVER);
  }

  @Test
  void ptxNewerThanTheDriverCanJit() {
    // RTX 5090 (sm_120) with torch 2.5.1+cu124 (sm_50..sm_90 + compute_90 PTX) on driver 535 (CUDA 12.2).
    Scenario s = fixed().gpus("NVIDIA GeForce RTX 5090").driver("535.104.05").torch("2.5.1+cu124", "12.4");
    Finding f = only(s.diagnose(), Codes.PTX_JIT_UNSUPPORTED);
    assertThat(f.explanation()).contains("compute_90").contains("CUDA 12.4").contains("222");
    // On driver 560 (CUDA 12.6) the driver JITs that PTX.
    Scenario ok = Scenario.copyOf("seed-case-fixed", tmp).gpus("NVIDIA GeForce RTX 5090").torch("2.5.1+cu124", "12.4");
    Diagnosis d = ok.diagnose();
    assertThat(codes(d)).doesNotContain(Codes.PTX_JIT_UNSUPPORTED, Codes.GPU_ARCH_NOT_IN_BUILD);
    assertThat(d.fine()).anyMatch(x -> x.contains("has kernels for GPU 0 NVIDIA GeForce RTX 5090 (sm_120) (ptx jit)"));
  }

  @Test
  void forwardCompatibilityLibraryOlderThanTheKernelDriver() {
    Scenario s = fixed().write("/usr/local/cuda-12.6/compat/libcuda.so.550.54.15", "").env("LD_LIBRARY_PATH", "/usr/local/cuda-12.6/compat:/usr/local/cuda-12.6/lib64");
    Finding f = only(s.diagnose(), Codes.FORWARD_COMPAT_UNSUPPORTED);
    assertThat(f.explanation()).contains("803");
    assertThat(f.fixes()).singleElement().satisfies(x -> assertThat(x.shell()).isEqualTo("export LD_LIBRARY_PATH=/usr/local/cuda-12.6/lib64"));
    // The same library off the loader path is harmless.
    Scenario off = Scenario.copyOf("seed-case-fixed", tmp).write("/usr/local/cuda-12.6/compat/libcuda.so.550.54.15", "");
    assertThat(codes(off.diagnose())).doesNotContain(Codes.FORWARD_COMPAT_UNSUPPORTED);
    // A GeForce card cannot use forward compatibility at all.
    Scenario geforce = Scenario.copyOf("seed-case-fixed", tmp).gpus("NVIDIA GeForce RTX 4090")
        .write("/usr/local/cuda-12.6/compat/libcuda.so.570.86.10", "").env("LD_LIBRARY_PATH", "/usr/local/cuda-12.6/compat:/usr/local/cuda-12.6/lib64");
    assertThat(only(geforce.diagnose(), Codes.FORWARD_COMPAT_UNSUPPORTED).explanation()).contains("804");
  }

  @Test
  void nvccMissingOnlyWhenSomethingBuilds() {
    Scenario s = fixed().env("PATH", "/home/can/miniconda3/envs/moelora/bin:/usr/bin:/bin").unset("CUDA_HOME").delete("/usr/local/cuda");
    Finding f = only(s.diagnose(), Codes.NVCC_MISSING);
    assertThat(f.title()).contains("deepspeed");
    assertThat(f.fixes()).extracting(Fix::shell).contains("export PATH=/usr/local/cuda-12.6/bin:$PATH");
    Scenario nobuild = Scenario.copyOf("seed-case-fixed", tmp).env("PATH", "/usr/bin:/bin").unset("CUDA_HOME").delete("/usr/local/cuda")
        .delete(SITE + "/deepspeed-0.9.4.dist-info").delete(SITE + "/deepspeed");
    assertThat(codes(nobuild.diagnose())).doesNotContain(Codes.NVCC_MISSING);
  }

  @Test
  void minorMismatchSaysWhatEachToolDoes() {
    Finding f = only(fixed().diagnose(), Codes.NVCC_TORCH_MINOR_MISMATCH);
    assertThat(f.severity()).isEqualTo(Severity.WARNING);
    assertThat(f.explanation()).contains("torch.utils.cpp_extension: builds, with the warning").contains("DeepSpeed 0.9.4: refuses").contains("Apex: would refuse");
    assertThat(f.fixes()).extracting(Fix::shell).contains("pip install 'deepspeed>=0.15.3'", "export DS_SKIP_CUDA_CHECK=1");
    // torch built for exactly the toolkit's CUDA: nothing to say.
    assertThat(codes(fixed().torch("2.5.1+cu126", "12.6").diagnose())).doesNotContain(Codes.NVCC_TORCH_MINOR_MISMATCH);
  }

  @Test
  void gpuArchitectureTooNewOrTooOldForTheToolkit() {
    Finding f = only(fixed().gpus("NVIDIA GeForce RTX 5090").diagnose(), Codes.GPU_ARCH_TOO_NEW_FOR_TOOLKIT);
    assertThat(f.explanation()).contains("compute_120");
    Finding old = only(Scenario.copyOf("seed-case-fixed", tmp).gpus("Tesla K80").diagnose(), Codes.GPU_ARCH_TOO_OLD_FOR_TOOLKIT);
    assertThat(old.explanation()).contains("sm_50");
    assertThat(codes(Scenario.copyOf("seed-case-fixed", tmp).diagnose())).doesNotContain(Codes.GPU_ARCH_TOO_NEW_FOR_TOOLKIT, Codes.GPU_ARCH_TOO_OLD_FOR_TOOLKIT);
  }

  @Test
  void gpuNotInTheTorchBuild() {
    Finding f = only(fixed().gpus("NVIDIA GeForce RTX 5090").diagnose(), Codes.GPU_ARCH_NOT_IN_BUILD);
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.explanation()).contains("no kernel image is available").contains("newer than the build knows");
    // A K80 (sm_37) is older than torch cu121's oldest arch (sm_50).
    assertThat(only(Scenario.copyOf("seed-case-fixed", tmp).gpus("Tesla K80").diagnose(), Codes.GPU_ARCH_NOT_IN_BUILD).explanation()).contains("older");
  }

  @Test
  void librariesOnLdLibraryPathOlderThanTorchsWheels() {
    Scenario s = fixed().write("/opt/cuda-12.0/lib64/libcublasLt.so.12.0.2.224", "").write("/opt/cuda-12.0/lib64/libcudnn.so.9.0.0", "")
        .write("/opt/cuda-12.0/lib64/libcudart.so.12.0.107", "").env("LD_LIBRARY_PATH", "/opt/cuda-12.0/lib64:/usr/local/cuda-12.6/lib64");
    Diagnosis d = s.diagnose();
    Finding shadowed = only(d, Codes.LIBRARY_SHADOWED);
    assertThat(shadowed.explanation()).contains("nvidia-cublas-cu12 12.1.3.1").contains("/opt/cuda-12.0/lib64/libcublasLt.so.12.0.2.224");
    // torch's direct dependencies (cudart here) come from its DT_RPATH, which LD_LIBRARY_PATH cannot override.
    assertThat(d.findings()).filteredOn(x -> x.code().equals(Codes.LIBRARY_SHADOWED)).hasSize(1);
    assertThat(only(d, Codes.CUDNN_VERSION_MISMATCH).explanation()).contains("compiled against (9, 1)");
    // Another major (cuDNN 8) has another file name: not loaded instead. Newer copies (the base's 12.6) are fine.
    Scenario other = Scenario.copyOf("seed-case-fixed", tmp).write("/opt/cudnn8/lib/libcudnn.so.8.9.7", "").env("LD_LIBRARY_PATH", "/opt/cudnn8/lib:/usr/local/cuda-12.6/lib64");
    assertThat(codes(other.diagnose())).doesNotContain(Codes.CUDNN_VERSION_MISMATCH, Codes.LIBRARY_SHADOWED);
  }

  @Test
  void olderNvJitLinkThanTheWheelsNeed() {
    Scenario s = fixed().dist("nvidia-nvjitlink-cu12", "12.4.127").write(SITE + "/nvidia/nvjitlink/lib/libnvJitLink.so.12", "")
        .write("/usr/local/cuda-12.1/lib64/libnvJitLink.so.12.1.105", "").env("LD_LIBRARY_PATH", "/usr/local/cuda-12.1/lib64");
    Finding f = only(s.diagnose(), Codes.CUDA_LIBRARY_SYMBOL_MISMATCH);
    assertThat(f.explanation()).contains("__nvJitLinkComplete_12_4");
    Scenario newer = Scenario.copyOf("seed-case-fixed", tmp).dist("nvidia-nvjitlink-cu12", "12.4.127").write(SITE + "/nvidia/nvjitlink/lib/libnvJitLink.so.12", "");
    assertThat(codes(newer.diagnose())).doesNotContain(Codes.CUDA_LIBRARY_SYMBOL_MISMATCH);
  }

  @Test
  void cpuOnlyTorch() {
    Finding f = only(fixed().torch("2.5.1+cpu", null).diagnose(), Codes.TORCH_CPU_ONLY);
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(codes(Scenario.copyOf("seed-case-fixed", tmp).diagnose())).doesNotContain(Codes.TORCH_CPU_ONLY);
  }

  @Test
  void aUserSiteTorchHidesTheEnvironmentsOwn() {
    Scenario s = fixed().write("/home/can/.local/lib/python3.9/site-packages/torch-2.1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: torch\nVersion: 2.1.0\n")
        .write("/home/can/.local/lib/python3.9/site-packages/torch/version.py", "__version__ = '2.1.0'\ncuda = '12.1'\nhip = None\n");
    Finding f = only(s.diagnose(), Codes.MULTIPLE_TORCH_INSTALLS);
    assertThat(f.title()).contains("2.1.0 wins");
    assertThat(codes(Scenario.copyOf("seed-case-fixed", tmp).env("PYTHONNOUSERSITE", "1")
        .write("/home/can/.local/lib/python3.9/site-packages/torch-2.1.0.dist-info/METADATA", "Name: torch\nVersion: 2.1.0\n").diagnose()))
        .doesNotContain(Codes.MULTIPLE_TORCH_INSTALLS);
  }

  @Test
  void nvidiaWheelsThatDifferFromTorchsPins() {
    Scenario s = fixed().delete(SITE + "/nvidia_cublas_cu12-12.1.3.1.dist-info").dist("nvidia-cublas-cu12", "12.4.5.8");
    Finding f = only(s.diagnose(), Codes.TORCH_NVIDIA_PIN_MISMATCH);
    assertThat(f.explanation()).contains("nvidia-cublas-cu12 pinned 12.1.3.1, installed 12.4.5.8");
    assertThat(f.fixes()).extracting(Fix::shell).containsExactly("pip install nvidia-cublas-cu12==12.1.3.1");
  }

  @Test
  void bitsandbytesWithoutCudaBinariesOrWithAForcedOne() {
    Scenario cpu = fixed();
    for (String v : List.of("118", "120", "121", "122", "123", "124", "125", "126", "128", "129")) {
      cpu.delete(SITE + "/bitsandbytes/libbitsandbytes_cuda" + v + ".so");
    }
    assertThat(only(cpu.diagnose(), Codes.BNB_CPU_ONLY).severity()).isEqualTo(Severity.ERROR);
    Finding forced = only(Scenario.copyOf("seed-case-fixed", tmp).env("BNB_CUDA_VERSION", "118").diagnose(), Codes.BNB_CUDA_VERSION_OVERRIDE);
    assertThat(forced.severity()).isEqualTo(Severity.WARNING);
    assertThat(forced.fixes()).extracting(Fix::shell).containsExactly("unset BNB_CUDA_VERSION");
    assertThat(codes(Scenario.copyOf("seed-case-fixed", tmp).env("BNB_CUDA_VERSION", "121").diagnose())).doesNotContain(Codes.BNB_CUDA_VERSION_OVERRIDE);
  }

  @Test
  void oldBitsandbytesThatFindsNoLibcudart() {
    Scenario s = Scenario.copyOf("seed-case", tmp).unset("LD_LIBRARY_PATH");
    Finding f = only(s.diagnose(), Codes.BNB_LIBCUDART_NOT_FOUND);
    assertThat(f.explanation()).contains("No libcudart.so found");
    assertThat(codes(Scenario.copyOf("seed-case", tmp).diagnose())).doesNotContain(Codes.BNB_LIBCUDART_NOT_FOUND).contains(Codes.BNB_BINARY_MISSING);
  }

  @Test
  void extensionsBuiltForAnotherTorch() {
    Finding f = only(fixed().dist("xformers", "0.0.27", "torch==2.3.1", "numpy").diagnose(), Codes.EXTENSION_TORCH_MISMATCH);
    assertThat(f.title()).contains("xformers 0.0.27 was built for torch 2.3.1").contains("2.5.1+cu121");
    assertThat(codes(Scenario.copyOf("seed-case-fixed", tmp).dist("xformers", "0.0.28.post3", "torch==2.5.1").diagnose()))
        .doesNotContain(Codes.EXTENSION_TORCH_MISMATCH);
  }

  @Test
  void oddVersionsInTheTreeSkipNoCheck() {
    // torch/version.py with cuda = 'None' as a string, and a toolkit whose version file says nothing useful.
    Scenario s = fixed().torch("2.5.1+cu121", "None").write("/usr/local/cuda-10.1/version.txt", "CUDA Version unknown\n");
    Diagnosis d = s.diagnose();
    assertThat(d.notes()).as("checks skipped").isEmpty();
    assertThat(codes(d)).doesNotContain(Codes.NVCC_TORCH_MINOR_MISMATCH);
  }

  @Test
  void everyCodeIsInTheCatalog() throws Exception {
    String catalog = java.nio.file.Files.readString(Path.of("../docs/findings.md"));
    for (String code : Codes.ALL) {
      assertThat(catalog).as(code).contains("## " + code);
    }
  }
}
