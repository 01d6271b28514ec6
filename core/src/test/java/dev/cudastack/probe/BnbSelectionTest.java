package dev.cudastack.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.model.PythonInfo.BnbSetup;
import dev.cudastack.model.PythonInfo.TorchBuild;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** bitsandbytes' choice of native library in each era of its loader. */
class BnbSelectionTest {
  static TorchBuild torch(String version, String cuda, String hip) {
    return new TorchBuild(version, cuda, hip, null, "/site", List.of(), List.of());
  }

  static List<String> cuda(String... digits) {
    List<String> out = new ArrayList<>(List.of("libbitsandbytes_cpu.so"));
    for (String d : digits) {
      out.add("libbitsandbytes_cuda" + d + ".so");
    }
    return out;
  }

  /** A libcudart of the given CUDA in exactly one directory. */
  static BnbSelection.CudartLookup cudartIn(String dir, String digits) {
    return (d, names) -> d.equals(dir) ? Optional.of(new BnbSelection.Cudart(dir + "/libcudart.so", digits)) : Optional.empty();
  }

  static final BnbSelection.CudartLookup NONE = (d, names) -> Optional.empty();

  @Test
  void libcudartEraReadsLdLibraryPathAndFallsBackToTheCpu() {
    // The seed case: 0.38.0, libcudart 12.6 on LD_LIBRARY_PATH, no cuda126 binary.
    BnbSetup s = BnbSelection.select("0.38.0", "/bnb", cuda("110", "117", "118", "120", "121"), torch("1.12.0+cu102", "10.2", null),
        Map.of("LD_LIBRARY_PATH", "/usr/local/cuda-12.6/lib64", "CONDA_PREFIX", "/env"), Optional.empty(), cudartIn("/usr/local/cuda-12.6/lib64", "126"));
    assertThat(s.wanted()).isEqualTo("libbitsandbytes_cuda126.so");
    assertThat(s.outcome()).isEqualTo("cpu");
    assertThat(s.loads()).isEqualTo("libbitsandbytes_cpu.so");
    assertThat(s.why()).contains("/usr/local/cuda-12.6/lib64/libcudart.so (from LD_LIBRARY_PATH)");
  }

  @Test
  void libcudartEraPrefersCondaPrefixAndUsesNocublasltBelow75() {
    BnbSetup s = BnbSelection.select("0.40.2", "/bnb", List.of("libbitsandbytes_cpu.so", "libbitsandbytes_cuda118.so", "libbitsandbytes_cuda118_nocublaslt.so"),
        torch("2.0.1+cu118", "11.8", null), Map.of("LD_LIBRARY_PATH", "/x", "CONDA_PREFIX", "/env"), Optional.of(7.0),
        (d, names) -> d.equals("/env/lib") ? Optional.of(new BnbSelection.Cudart("/env/lib/libcudart.so", "118")) : Optional.of(new BnbSelection.Cudart(d + "/libcudart.so", "126")));
    assertThat(s.loads()).isEqualTo("libbitsandbytes_cuda118_nocublaslt.so");
    assertThat(s.outcome()).isEqualTo("cuda");
  }

  @Test
  void noLibcudartAnywhere() {
    BnbSetup s = BnbSelection.select("0.37.2", "/bnb", cuda("117"), torch("1.13.1+cu117", "11.7", null), Map.of(), Optional.empty(), NONE);
    assertThat(s.wanted()).isNull();
    assertThat(s.outcome()).isEqualTo("cpu");
    assertThat(s.why()).contains("no libcudart.so");
  }

  @Test
  void torchEraWithOverride() {
    List<String> bins = cuda("118", "121", "122");
    BnbSetup plain = BnbSelection.select("0.41.1", "/bnb", bins, torch("2.1.0+cu121", "12.1", null), Map.of(), Optional.of(8.0), NONE);
    assertThat(plain.loads()).isEqualTo("libbitsandbytes_cuda121.so");
    BnbSetup overridden = BnbSelection.select("0.41.1", "/bnb", bins, torch("2.1.0+cu121", "12.1", null), Map.of("BNB_CUDA_VERSION", "123"), Optional.of(8.0), NONE);
    assertThat(overridden.wanted()).isEqualTo("libbitsandbytes_cuda123.so");
    assertThat(overridden.outcome()).isEqualTo("cpu");
    assertThat(overridden.why()).contains("BNB_CUDA_VERSION=123 overrides it");
  }

  @Test
  void seedCaseFixedPicksCuda121() {
    BnbSetup s = BnbSelection.select("0.47.0", "/bnb", cuda("118", "120", "121", "122", "123", "124", "125", "126", "128", "129"),
        torch("2.5.1+cu121", "12.1", null), Map.of("LD_LIBRARY_PATH", "/usr/local/cuda-12.6/lib64"), Optional.empty(), NONE);
    assertThat(s.loads()).isEqualTo("libbitsandbytes_cuda121.so");
    assertThat(s.outcome()).isEqualTo("cuda");
  }

  @Test
  void era045FallsBackAndEra046Fails() {
    TorchBuild t = torch("2.6.0+cu124", "12.4", null);
    assertThat(BnbSelection.select("0.45.5", "/bnb", cuda("121", "126"), t, Map.of(), Optional.empty(), NONE).outcome()).isEqualTo("cpu");
    BnbSetup err = BnbSelection.select("0.46.1", "/bnb", cuda("121", "126"), t, Map.of(), Optional.empty(), NONE);
    assertThat(err.outcome()).isEqualTo("error");
    assertThat(err.loads()).isNull();
  }

  @Test
  void era050TakesTheNearestOfTheSameMajor() {
    List<String> bins = cuda("118", "121", "124", "126", "128", "130", "132");
    assertThat(BnbSelection.select("0.50.0", "/bnb", bins, torch("2.7.0+cu127", "12.7", null), Map.of(), Optional.empty(), NONE).loads())
        .isEqualTo("libbitsandbytes_cuda126.so");
    assertThat(BnbSelection.select("0.50.0", "/bnb", bins, torch("2.9.0+cu131", "13.1", null), Map.of(), Optional.empty(), NONE).loads())
        .isEqualTo("libbitsandbytes_cuda130.so");
    assertThat(BnbSelection.select("0.50.0", "/bnb", List.of("libbitsandbytes_cuda130.so"), torch("2.9.0+cu129", "12.9", null), Map.of(), Optional.empty(), NONE).outcome())
        .isEqualTo("error");
    assertThat(BnbSelection.nearestSameMajor(bins, "120")).contains("libbitsandbytes_cuda121.so");
  }

  @Test
  void rocmCpuTorchAndSourceBuilds() {
    assertThat(BnbSelection.select("0.48.2", "/bnb", List.of("libbitsandbytes_rocm62.so", "libbitsandbytes_cpu.so"), torch("2.5.1+rocm6.2", null, "6.2.41133"), Map.of(), Optional.empty(), NONE).loads())
        .isEqualTo("libbitsandbytes_rocm62.so");
    BnbSetup cpuTorch = BnbSelection.select("0.45.0", "/bnb", cuda("124"), torch("2.5.1+cpu", null, null), Map.of(), Optional.empty(), NONE);
    assertThat(cpuTorch.outcome()).isEqualTo("cpu");
    assertThat(cpuTorch.why()).contains("has no CUDA");
    BnbSetup source = BnbSelection.select("0.44.1", "/bnb", List.of("libbitsandbytes_cpu.so"), torch("2.4.0+cu121", "12.1", null), Map.of(), Optional.empty(), NONE);
    assertThat(source.outcome()).isEqualTo("cpu");
    assertThat(source.why()).contains("CPU-only build");
  }

  @Test
  void unknownCapabilityNamesTheNocublasltAlternative() {
    BnbSetup s = BnbSelection.select("0.43.1", "/bnb", List.of("libbitsandbytes_cpu.so", "libbitsandbytes_cuda121.so"), torch("2.2.0+cu121", "12.1", null), Map.of(), Optional.empty(), NONE);
    assertThat(s.loads()).isEqualTo("libbitsandbytes_cuda121.so");
    assertThat(s.why()).contains("libbitsandbytes_cuda121_nocublaslt.so, which it does not ship");
  }
}
