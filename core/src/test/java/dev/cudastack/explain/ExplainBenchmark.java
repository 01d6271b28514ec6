package dev.cudastack.explain;

import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.LogSignature;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Not a test: writes the benchmark inputs for `bench/explain` — a 1 GiB training log with three
 * planted errors at lines 1,000,000, 4,000,000 and 7,000,000, and the signatures as POSIX extended
 * regular expressions for `grep -E -f` (named groups, \d, \w, \s and lazy quantifiers rewritten).
 * Usage: ExplainBenchmark LOG PATTERNS
 */
public final class ExplainBenchmark {
  private ExplainBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path log = Path.of(args[0]);
    Path patterns = Path.of(args[1]);
    byte[] step = "{'loss': 1.2345, 'grad_norm': 0.52, 'learning_rate': 2e-05, 'epoch': 0.37}  12%|█▏        | 1200/10000 [12:00<1:28:00,  1.67it/s]\n"
        .getBytes(StandardCharsets.UTF_8);
    Map<Long, byte[]> planted = Map.of(
        1_000_000L, "RuntimeError: CUDA error: no kernel image is available for execution on the device\n".getBytes(StandardCharsets.UTF_8),
        4_000_000L, "torch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1691, unhandled system error\n".getBytes(StandardCharsets.UTF_8),
        7_000_000L, "ImportError: /x/libcusparse.so.12: undefined symbol: __nvJitLinkComplete_12_4, version libnvJitLink.so.12\n".getBytes(StandardCharsets.UTF_8));
    long size = 1L << 30;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(log), 1 << 20)) {
      long written = 0;
      for (long line = 1; written < size; line++) {
        byte[] b = planted.getOrDefault(line, step);
        out.write(b);
        written += b.length;
      }
    }
    List<String> ere = new ArrayList<>();
    for (LogSignature s : KnowledgeBase.bundled().signatures()) {
      ere.add(s.pattern().replaceAll("\\(\\?<[a-zA-Z0-9]+>", "(").replace("(?:", "(").replace("\\d", "[0-9]").replace("\\w", "[[:alnum:]_]")
          .replace("\\s", "[[:space:]]").replace("\\S", "[^[:space:]]").replace("+?", "+").replace("*?", "*"));
    }
    Files.write(patterns, ere);
    System.out.println("wrote " + log + " (" + Files.size(log) + " bytes) and " + ere.size() + " patterns to " + patterns);
  }
}
