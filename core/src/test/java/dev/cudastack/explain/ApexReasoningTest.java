package dev.cudastack.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.kb.KnowledgeBase;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Apex names only torch's CUDA; nvcc's release comes from the `nvcc -V` output Apex prints before it. */
class ApexReasoningTest {
  private static final String APEX = "RuntimeError: Cuda extensions are being compiled with a version of Cuda that does not match the version used to compile Pytorch binaries.  Pytorch binaries were compiled with Cuda %s.";

  private static Explanation explain(String log) throws Exception {
    return new Explainer(KnowledgeBase.bundled()).explain(List.of(new ByteArrayInputStream(log.getBytes(StandardCharsets.UTF_8))));
  }

  private static String nvccV(String release) {
    return "Compiling cuda extensions with\nnvcc: NVIDIA (R) Cuda compiler driver\nCopyright (c) 2005-2024 NVIDIA Corporation\nCuda compilation tools, release " + release + ", V" + release + ".131\nfrom /usr/local/cuda/bin\n\n";
  }

  @Test
  void aToolkitOfAnotherMajorIsAMajorMismatch() throws Exception {
    Explanation e = explain(nvccV("12.4") + "Traceback (most recent call last):\n" + APEX.formatted("11.8"));
    assertThat(e.causes().getFirst().code()).isEqualTo("NVCC_TORCH_MAJOR_MISMATCH");
    assertThat(e.causes().getFirst().explanation()).contains("nvcc 12.4", "11.8");
    assertThat(e.causes().getFirst().lines().getFirst().number()).isEqualTo(8);
  }

  @Test
  void theSameMajorIsAMinorMismatch() throws Exception {
    assertThat(explain(nvccV("12.4") + APEX.formatted("12.1")).causes().getFirst().code()).isEqualTo("NVCC_TORCH_MINOR_MISMATCH");
  }

  @Test
  void withoutNvccsOutputTheMessageAloneIsAMinorMismatch() throws Exception {
    Explanation e = explain(APEX.formatted("11.8"));
    assertThat(e.causes()).extracting(Explanation.Cause::code).containsExactly("NVCC_TORCH_MINOR_MISMATCH");
  }

  @Test
  void aMatchingPrintedNvccMeansApexFoundAnotherOne() throws Exception {
    Explanation e = explain(nvccV("12.1") + APEX.formatted("12.1"));
    assertThat(e.causes().getFirst().code()).isEqualTo("WRONG_NVCC_ON_PATH");
    assertThat(e.causes().getFirst().explanation()).contains("matches torch's CUDA 12.1").doesNotContain("different minor");
  }

  @Test
  void nvccsOutputAloneIsNoCause() throws Exception {
    assertThat(explain(nvccV("12.4")).causes()).isEmpty();
  }
}
