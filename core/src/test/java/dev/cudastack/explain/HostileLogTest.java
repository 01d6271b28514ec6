package dev.cudastack.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.kb.KnowledgeBase;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Logs as they really arrive: binary garbage, a gigabyte without a newline, invalid UTF-8, CRLF,
 * colour codes, a log that matches everything, and a gigabyte training log with three planted
 * errors at known lines — streamed, with flat memory.
 */
class HostileLogTest {
  private static Explanation explain(byte[] b) throws Exception {
    return new Explainer(KnowledgeBase.bundled()).explain(List.of(new ByteArrayInputStream(b)));
  }

  private static Explanation explain(String s) throws Exception {
    return explain(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A stream of {@code size} bytes made of a repeated block, with chosen lines replaced. */
  static final class Synthetic extends InputStream {
    private final long size;
    private final byte[] block;
    private final long linesPerBlock;
    private final java.util.Map<Long, byte[]> planted;
    private long pos;
    private byte[] current;
    private int at;
    private long line = 1;

    Synthetic(long size, String blockLine, java.util.Map<Long, String> planted) {
      this.size = size;
      this.block = blockLine.getBytes(StandardCharsets.UTF_8);
      this.linesPerBlock = 1;
      this.planted = new java.util.HashMap<>();
      planted.forEach((k, v) -> this.planted.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= size) {
        return -1;
      }
      int n = 0;
      while (n < len && pos < size) {
        if (current == null || at == current.length) {
          current = planted.getOrDefault(line, block);
          at = 0;
          line += linesPerBlock;
        }
        int take = (int) Math.min(Math.min(len - n, current.length - at), size - pos);
        System.arraycopy(current, at, b, off + n, take);
        at += take;
        n += take;
        pos += take;
      }
      return n;
    }
  }

  @Test
  void aGigabyteTrainingLogWithThreePlantedErrors() throws Exception {
    String step = "{'loss': 1.2345, 'grad_norm': 0.52, 'learning_rate': 2e-05, 'epoch': 0.37}  12%|█▏        | 1200/10000 [12:00<1:28:00,  1.67it/s]\n";
    java.util.Map<Long, String> planted = java.util.Map.of(
        1_000_000L, "RuntimeError: CUDA error: no kernel image is available for execution on the device\n",
        4_000_000L, "torch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1691, unhandled system error\n",
        7_000_000L, "ImportError: /x/libcusparse.so.12: undefined symbol: __nvJitLinkComplete_12_4, version libnvJitLink.so.12\n");
    long size = 1L << 30;
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long before = rt.totalMemory() - rt.freeMemory();
    Explanation e = new Explainer(KnowledgeBase.bundled()).explain(List.of(new Synthetic(size, step, planted)));
    System.gc();
    long after = rt.totalMemory() - rt.freeMemory();
    assertThat(e.bytes()).isEqualTo(size);
    assertThat(e.causes()).extracting(Explanation.Cause::code).contains("GPU_ARCH_NOT_IN_BUILD", "NCCL_FAILURE", "LIBRARY_SHADOWED");
    assertThat(e.causes()).filteredOn(c -> c.code().equals("GPU_ARCH_NOT_IN_BUILD")).singleElement()
        .satisfies(c -> assertThat(c.lines()).extracting(Explanation.Line::number).containsExactly(1_000_000L));
    assertThat(e.causes()).filteredOn(c -> c.code().equals("NCCL_FAILURE")).singleElement()
        .satisfies(c -> assertThat(c.lines()).extracting(Explanation.Line::number).containsExactly(4_000_000L));
    assertThat(e.causes()).filteredOn(c -> c.code().equals("LIBRARY_SHADOWED")).singleElement()
        .satisfies(c -> assertThat(c.lines()).extracting(Explanation.Line::number).containsExactly(7_000_000L));
    assertThat((after - before) / 1_048_576).as("MB retained").isLessThan(64);
  }

  @Test
  void aGigabyteWithoutANewline() throws Exception {
    long size = 1L << 30;
    java.util.Map<Long, String> none = java.util.Map.of();
    Explanation e = new Explainer(KnowledgeBase.bundled()).explain(List.of(new Synthetic(size, "xyzzy-", none)));
    assertThat(e.lines()).isEqualTo(1);
    assertThat(e.longLinesCut()).isGreaterThan(10_000);
    assertThat(e.unknown()).isTrue();
  }

  @Test
  void binaryGarbageAndInvalidUtf8() throws Exception {
    byte[] garbage = new byte[4 << 20];
    new Random(7).nextBytes(garbage);
    assertThat(explain(garbage).bytes()).isEqualTo(garbage.length);
    byte[] bad = "CUDA error: no kernel image is available for execution on the device \u00ff".getBytes(StandardCharsets.ISO_8859_1);
    bad[bad.length - 1] = (byte) 0xff;
    Explanation e = explain(bad);
    assertThat(e.causes().getFirst().code()).isEqualTo("GPU_ARCH_NOT_IN_BUILD");
    assertThat(e.causes().getFirst().lines().getFirst().text()).contains("\ufffd");
  }

  @Test
  void crlfAndColourCodes() throws Exception {
    String log = "step 1\r\n\u001b[31mRuntimeError\u001b[0m: The detected CUDA version (\u001b[1m12.1\u001b[0m) mismatches the version that was used to compile PyTorch (11.7).\r\n";
    Explanation e = explain(log);
    assertThat(e.causes()).extracting(Explanation.Cause::code).contains("WRONG_NVCC_ON_PATH", "NVCC_TORCH_MAJOR_MISMATCH");
    assertThat(e.causes().getFirst().lines().getFirst()).isEqualTo(new Explanation.Line(2, "RuntimeError: The detected CUDA version (12.1) mismatches the version that was used to compile PyTorch (11.7)."));
    assertThat(e.causes().getFirst().explanation()).contains("nvcc 12.1").contains("CUDA 11.7");
  }

  @Test
  void torch211sUnformattedMessageAndTheMinorWarning() throws Exception {
    Explanation tuple = explain("RuntimeError: ('The detected CUDA version (%s) mismatches the version that was used to compilePyTorch (%s). Please make sure to use the same CUDA versions.', '12.8', '13.0')\n");
    assertThat(tuple.causes()).extracting(Explanation.Cause::code).contains("NVCC_TORCH_MAJOR_MISMATCH");
    assertThat(tuple.causes().getFirst().explanation()).contains("nvcc 12.8").contains("CUDA 13.0");
    Explanation minor = explain("W1124 torch/utils/cpp_extension.py:546] The detected CUDA version (13.2) has a minor version mismatch with the version that was used to compile PyTorch (13.0). Most likely this shouldn't be a problem.\n");
    assertThat(minor.causes().getFirst().code()).isEqualTo("NVCC_TORCH_MINOR_MISMATCH");
  }

  @Test
  void aLogMatchingEverythingReportsEveryIndependentCause() throws Exception {
    StringBuilder b = new StringBuilder();
    for (int round = 0; round < 3; round++) {
      for (String l : java.nio.file.Files.readAllLines(dev.cudastack.testing.Shared.dir().resolve("research/error-logs.jsonl"))) {
        if (!l.isBlank()) {
          b.append(((java.util.Map<?, ?>) dev.cudastack.json.Json.parse(l)).get("log")).append('\n');
        }
      }
    }
    Explanation e = explain(b.toString());
    assertThat(e.causes().size()).isGreaterThanOrEqualTo(20);
    assertThat(e.causes()).allSatisfy(c -> assertThat(c.lines()).hasSizeBetween(1, 5));
    assertThat(e.causes()).isSortedAccordingTo(java.util.Comparator.comparingDouble(Explanation.Cause::confidence).reversed());
  }

  @Test
  void anUnknownLogShowsItsErrorLines() throws Exception {
    Explanation e = explain("starting\nValueError: shapes (3,4) and (5,6) not aligned\nTraceback (most recent call last):\ndone\n");
    assertThat(e.unknown()).isTrue();
    assertThat(e.errorLines()).extracting(Explanation.Line::number).containsExactly(2L, 3L);
  }
}
