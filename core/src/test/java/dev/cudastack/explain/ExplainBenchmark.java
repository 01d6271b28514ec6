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
      // POSIX ERE has no lookaround (dropped: grep then matches a little more, never less) and no
      // possessive or lazy quantifiers (made greedy)
      ere.add(classes(s.pattern().replaceAll("\\(\\?<?[!=](?:[^()]|\\([^()]*\\))*\\)", "").replaceAll("\\(\\?<[a-zA-Z0-9]+>", "(").replace("(?:", "(").replace("[^\\n]", "."))
          .replaceAll("([*+?}])[+?]", "$1"));
    }
    Files.write(patterns, ere);
    System.out.println("wrote " + log + " (" + Files.size(log) + " bytes) and " + ere.size() + " patterns to " + patterns);
  }

  /** Java's \\d \\w \\s \\S as POSIX classes, inside a bracket expression and outside one. */
  static String classes(String p) {
    StringBuilder b = new StringBuilder();
    boolean inBracket = false;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '\\' && i + 1 < p.length()) {
        char n = p.charAt(++i);
        String cls = switch (n) {
          case 'd' -> "0-9";
          case 'w' -> "[:alnum:]_";
          case 's' -> "[:space:]";
          default -> null;
        };
        if (cls != null) {
          b.append(inBracket ? cls : "[" + cls + "]");
        } else if (n == 'S' && !inBracket) {
          b.append("[^[:space:]]");
        } else {
          b.append(c).append(n);
        }
        continue;
      }
      if (c == '[' && !inBracket) {
        inBracket = true;
      } else if (c == ']' && inBracket && b.length() > 0 && b.charAt(b.length() - 1) != '[' && !(b.length() > 1 && b.charAt(b.length() - 1) == '^' && b.charAt(b.length() - 2) == '[')) {
        inBracket = false;
      }
      b.append(c);
    }
    return b.toString();
  }
}
