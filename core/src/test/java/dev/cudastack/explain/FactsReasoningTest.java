package dev.cudastack.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.LogSignature;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Environment reports pasted with an error: their facts, checked together against the knowledge
 * base. The nvidia-smi and /proc lines are the H100 capture's own (../shared/fixtures/h100-capture).
 */
class FactsReasoningTest {
  private static final Set<String> FACTS = Set.of("torch", "torchcuda", "torchhip", "nvcc", "driver", "gpu");

  private static Explanation explain(String log) throws Exception {
    return new Explainer(KnowledgeBase.bundled()).explain(List.of(new ByteArrayInputStream(log.getBytes(StandardCharsets.UTF_8))));
  }

  private static List<String> codes(Explanation e) {
    return e.causes().stream().map(Explanation.Cause::code).toList();
  }

  @Test
  void everyFactSignatureNamesKnownFactsAndItsExamplesGiveThem() throws Exception {
    for (LogSignature s : KnowledgeBase.bundled().signatures()) {
      if (!"fact".equals(s.kind())) {
        continue;
      }
      Pattern p = Pattern.compile(s.pattern());
      assertThat(p.namedGroups().keySet()).as(s.id()).isNotEmpty().allSatisfy(g -> assertThat(FACTS).as(s.id()).contains(g));
      for (String ex : s.examples()) {
        Matcher m = p.matcher(ex);
        assertThat(m.find()).as(ex).isTrue();
        assertThat(p.namedGroups().keySet().stream().map(m::group).filter(v -> v != null && !v.isBlank())).as("%s: a fact read from %s", s.id(), ex).isNotEmpty();
      }
    }
  }

  @Test
  void collectEnvOfAnH100WithACu117TorchGivesTheArchitectureCause() throws Exception {
    Explanation e = explain(String.join("\n", "PyTorch version: 2.0.1+cu117", "CUDA used to build PyTorch: 11.7", "CUDA runtime version: 12.2.140",
        "GPU models and configuration: GPU 0: NVIDIA H100 PCIe", "Nvidia driver version: 535.104.12", ""));
    assertThat(codes(e).getFirst()).isEqualTo("GPU_ARCH_NOT_IN_BUILD");
    assertThat(e.causes().getFirst().explanation()).contains("sm_90").contains("2.0.1+cu117");
    assertThat(codes(e)).contains("NVCC_TORCH_MAJOR_MISMATCH").doesNotContain("DRIVER_TOO_OLD");
  }

  @Test
  void theCapturesDriverLinesAgainstATorchForANewerCuda() throws Exception {
    Path capture = dev.cudastack.testing.Shared.dir().resolve("fixtures/h100-capture");
    String smi = Files.readAllLines(capture.resolve("nvidia-smi.txt")).stream().filter(l -> l.contains("Driver Version")).findFirst().orElseThrow();
    String proc = Files.readAllLines(capture.resolve("proc-driver.txt")).stream().filter(l -> l.startsWith("NVRM version")).findFirst().orElseThrow();
    // driver 580 runs CUDA 13.0: a cu130 torch is fine, a (hypothetical) CUDA 14 build is not
    assertThat(codes(explain(smi + "\nPyTorch version: 2.11.0+cu130\n"))).doesNotContain("DRIVER_TOO_OLD");
    assertThat(codes(explain(proc + "\nCUDA used to build PyTorch: 14.0\n"))).contains("DRIVER_TOO_OLD");
    // and an older driver against a cu121 torch
    Explanation old = explain("| NVIDIA-SMI 470.223.02   Driver Version: 470.223.02   CUDA Version: 11.4     |\nPyTorch version: 2.5.1+cu121\n");
    assertThat(codes(old).getFirst()).isEqualTo("DRIVER_TOO_OLD");
    assertThat(old.causes().getFirst().explanation()).contains("12.1").contains("470.223.02");
  }

  @Test
  void aCpuTorchIsNamedByTheFactThatSaysSo() throws Exception {
    Explanation e = explain("CUDA used to build PyTorch: 12.1\n>>> torch.__version__ '2.1.2+cpu'\n");
    assertThat(codes(e)).contains("TORCH_CPU_ONLY");
    Explanation.Cause c = e.causes().stream().filter(x -> x.code().equals("TORCH_CPU_ONLY")).findFirst().orElseThrow();
    assertThat(c.explanation()).contains("2.1.2+cpu");
    assertThat(c.lines()).extracting(Explanation.Line::number).containsExactly(2L);
  }

  @Test
  void aRocmDsReportIsNotACpuTorch() throws Exception {
    Explanation e = explain(String.join("\n", "torch version .................... 2.1.1+rocm5.6", "torch cuda version ............... None",
        "torch hip version ................ 5.6.31061-8c743ae5d", "nvcc version ..................... None", ""));
    assertThat(codes(e)).doesNotContain("TORCH_CPU_ONLY");
  }

  @Test
  void toolkitNewerThanTheDriverAndTwoToolkits() throws Exception {
    Explanation e = explain(String.join("\n", "Cuda compilation tools, release 12.4, V12.4.131", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  470.223.02  Sat Oct  7 15:39:11 UTC 2023", ""));
    assertThat(codes(e)).containsExactly("TOOLKIT_NEWER_THAN_DRIVER");
    // a driver older than every branch the knowledge base knows is not guessed at
    assertThat(codes(explain("Cuda compilation tools, release 10.0, V10.0.130\nNVRM version: NVIDIA UNIX x86_64 Kernel Module  396.54  Tue Aug 14 22:19:30 PDT 2018\n"))).isEmpty();
    Explanation two = explain("Cuda compilation tools, release 12.0, V12.0.140\nCuda compilation tools, release 12.8, V12.8.93\n");
    assertThat(codes(two)).containsExactly("WRONG_NVCC_ON_PATH");
    assertThat(two.causes().getFirst().lines()).hasSize(2);
  }
}
