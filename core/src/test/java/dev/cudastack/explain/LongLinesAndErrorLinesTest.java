package dev.cudastack.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.cudastack.kb.KnowledgeBase;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where a log's bytes fall against the reader's cuts: numbers too long for an int, a literal deep
 * in a line longer than the 64 kB window, a literal across the 1 MB buffer boundary, a multi-line
 * message whose second line is a megabyte long, and the error lines of an unknown log at the end
 * of a buffer-sized log, after a 3-byte last buffer, and in the second of two files.
 */
class LongLinesAndErrorLinesTest {
  private static final int MB = 1 << 20;
  private static final String NO_KERNEL = "RuntimeError: CUDA error: no kernel image is available for execution on the device";

  private static Explanation explain(byte[]... inputs) throws Exception {
    List<InputStream> in = new ArrayList<>();
    for (byte[] b : inputs) {
      in.add(new ByteArrayInputStream(b));
    }
    return new Explainer(KnowledgeBase.bundled()).explain(in);
  }

  private static Explanation explain(String s) throws Exception {
    return explain(s.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> codes(Explanation e) {
    return e.causes().stream().map(Explanation.Cause::code).toList();
  }

  /** A log built line by line, remembering line numbers; filler lines hold no literal and no error word. */
  private static final class Log {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    long next = 1;

    long line(String text) {
      out.writeBytes((text + "\n").getBytes(StandardCharsets.UTF_8));
      return next++;
    }

    /** Filler lines up to exactly {@code size} bytes. */
    void fillTo(int size) {
      String step = "step 120 loss 1.2345 lr 2e-05 epoch 0.37";
      while (out.size() < size) {
        int left = size - out.size();
        line(left > step.length() + 1 ? step : ".".repeat(left - 1));
      }
      assertThat(out.size()).isEqualTo(size);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  @Test
  void architectureNumbersTooLongForAnIntAreSkippedNotThrown() throws Exception {
    List<String> impossible = List.of(
        "nvcc fatal   : Unsupported gpu architecture 'compute_99999999999'",
        "ptxas fatal   : Value 'sm_99999999999' is not defined for option 'gpu-name'",
        "'sm_99999999999' is not a recognized processor for this target",
        "NVIDIA H100 80GB HBM3 with CUDA capability sm_99999999999 is not compatible with the current PyTorch installation.",
        "The current PyTorch install supports CUDA capabilities sm_50 sm_60 sm_99999999999.");
    for (String line : impossible) {
      assertThatCode(() -> explain(line + "\n")).as(line).doesNotThrowAnyException();
      assertThat(explain(line + "\n").unknown()).as(line).isTrue();
      // the same line with a real number is a cause: the signature itself matches
      String real = line.replace("99999999999", "30");
      assertThat(explain(real + "\n").unknown()).as(real).isFalse();
    }
    // an impossible list does not make a real capability look newer than every arch torch has
    Explanation both = explain("NVIDIA B200 with CUDA capability sm_100 is not compatible with the current PyTorch installation.\n"
        + "The current PyTorch install supports CUDA capabilities sm_50 sm_99999999999.\n");
    assertThat(codes(both)).contains("GPU_ARCH_NOT_IN_BUILD").doesNotContain("GPU_ARCH_TOO_NEW_FOR_TOOLKIT");
  }

  @Test
  void aLiteralDeepInsideALineBetween64kBAnd1MB() throws Exception {
    Explanation e = explain("step 1\n" + "a".repeat(80_000) + " " + NO_KERNEL + "\n");
    assertThat(codes(e)).containsExactly("GPU_ARCH_NOT_IN_BUILD");
    assertThat(e.causes().getFirst().lines()).extracting(Explanation.Line::number).containsExactly(2L);
    assertThat(e.longLinesCut()).isEqualTo(1);
    // and after a line the multi-line signature waits on, the long line's own literal is still seen
    Explanation after = explain("The detected CUDA version (12.1) mismatches the version that was used to compile\n"
        + "PyTorch (11.7). " + "a".repeat(200_000) + " " + NO_KERNEL + "\n");
    assertThat(codes(after)).contains("NVCC_TORCH_MAJOR_MISMATCH", "GPU_ARCH_NOT_IN_BUILD");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 20, 55, 83})
  void aLiteralAcrossTheOneMegabyteCutOfALongLine(int before) throws Exception {
    // the first buffer is exactly 1 MB without a newline: the literal starts `before` bytes before its end
    String lit = "no kernel image is available for execution on the device";
    byte[] b = ("a".repeat(MB - before) + lit + " " + "b".repeat(MB) + "\nstep 2\n").getBytes(StandardCharsets.UTF_8);
    Explanation e = explain(b);
    assertThat(codes(e)).containsExactly("GPU_ARCH_NOT_IN_BUILD");
    assertThat(e.causes().getFirst().lines()).extracting(Explanation.Line::number).containsExactly(1L);
    assertThat(e.lines()).isEqualTo(2);
  }

  @Test
  void aMultiLineMessageWhoseNextLineIsLongerThanABuffer() throws Exception {
    Explanation e = explain("step 1\nRuntimeError: The detected CUDA version (12.1) mismatches the version that was used to compile\n"
        + "PyTorch (11.7). " + "x".repeat(2 * MB) + "\nstep 4\n");
    assertThat(codes(e)).contains("NVCC_TORCH_MAJOR_MISMATCH", "WRONG_NVCC_ON_PATH");
    assertThat(e.causes().getFirst().lines()).extracting(Explanation.Line::number).containsExactly(2L);
    assertThat(e.causes().getFirst().explanation()).contains("12.1").contains("11.7");
    assertThat(e.lines()).isEqualTo(4);
  }

  @Test
  void errorLinesAtTheEndOfALogOfExactlyOneBuffer() throws Exception {
    Log log = new Log();
    List<Long> errors = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      errors.add(log.line("ValueError: early " + i));
    }
    int tailBytes = 3 * "KeyError: late 0\n".length();
    log.fillTo(MB - tailBytes);
    for (int i = 0; i < 3; i++) {
      errors.add(log.line("KeyError: late " + i));
    }
    byte[] b = log.bytes();
    assertThat(b).hasSize(MB);
    Explanation e = explain(b);
    assertThat(e.unknown()).isTrue();
    // the whole log is both its first and its last megabyte: the first twelve and the last twelve
    List<Long> expected = new ArrayList<>(errors.subList(0, 12));
    expected.addAll(errors.subList(errors.size() - 12, errors.size()));
    assertThat(e.errorLines()).extracting(Explanation.Line::number).containsExactlyElementsOf(expected);
    assertThat(e.errorLines().getLast().text()).isEqualTo("KeyError: late 2");
  }

  @Test
  void errorLinesBeforeAThreeByteLastBuffer() throws Exception {
    Log log = new Log();
    long first = log.line("ValueError: at the start");
    log.fillTo(MB); // lines end at each megabyte, so the buffers are exactly the megabytes and the last holds "ok\n"
    log.fillTo(2 * MB);
    log.fillTo(3 * MB - 2 * "KeyError: late 0\n".length());
    long late0 = log.line("KeyError: late 0");
    long late1 = log.line("KeyError: late 1");
    log.line("ok");
    byte[] b = log.bytes();
    assertThat(b).hasSize(3 * MB + 3);
    Explanation e = explain(b);
    assertThat(e.errorLines()).extracting(Explanation.Line::number).containsExactly(first, late0, late1);
  }

  @Test
  void theLastTwelveErrorLinesOfTheLastMegabyteAcrossTwoBuffers() throws Exception {
    Log log = new Log();
    log.fillTo(2 * MB - 100_000);
    List<Long> late = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      late.add(log.line("KeyError: late " + i));
      log.fillTo(log.out.size() + 10_000); // spreads them over the last two buffers
    }
    Explanation e = explain(log.bytes());
    assertThat(e.errorLines()).extracting(Explanation.Line::number).containsExactlyElementsOf(late.subList(3, 15));
  }

  @Test
  void eachInputHasItsOwnHeadAndTail() throws Exception {
    Log one = new Log();
    one.fillTo(MB + MB / 2);
    long endOfOne = one.line("KeyError: the end of one");
    Log two = new Log();
    two.next = one.next; // line numbers run on through the files
    long startOfTwo = two.line("ValueError: the start of two");
    two.fillTo(2 * MB + MB / 2);
    long endOfTwo = two.line("KeyError: the end of two");
    Explanation e = explain(one.bytes(), two.bytes());
    assertThat(e.errorLines()).extracting(Explanation.Line::number).containsExactly(endOfOne, startOfTwo, endOfTwo);
    assertThat(e.lines()).isEqualTo(endOfTwo);
  }

  @Test
  void eachLiteralFindsEveryFormItsPatternAccepts() throws Exception {
    // The literals were lengthened for the prefilter's sake; each must still be in every text its regex matches.
    for (String[] c : new String[][] {
        {"ImportError: /x/libtorch_cuda.so: undefined symbol: ncclCommRegister", "NCCL_FAILURE"},
        {"RuntimeError: NCCL Error 2: ncclSystemError", "NCCL_FAILURE"},
        {"torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:275", "NCCL_FAILURE"},
        {"ImportError: libcudnn_cnn_infer.so.8: cannot open shared object file: No such file or directory", "CUDNN_VERSION_MISMATCH"},
        {"CUDA SETUP: libcudart.so not found in any environmental path.", "BNB_LIBCUDART_NOT_FOUND"}}) {
      assertThat(explain(c[0] + "\n").causes()).as(c[0]).extracting(x -> x.code()).contains(c[1]);
    }
  }
}
