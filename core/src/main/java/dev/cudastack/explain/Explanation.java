package dev.cudastack.explain;

import java.util.List;

/**
 * What a log says: the causes, most likely first; when none is known, the lines that look like
 * errors; how much was read; the absolute paths its matched and error lines name (to tell whether
 * it was written on this machine). With the doctor's help, each cause can be confirmed or not, and
 * {@code origin} says why this machine was read (null when it was not). {@code matchesAbandoned}
 * counts the signature matches given up on a line that made them run too long.
 */
public record Explanation(List<Cause> causes, List<Line> errorLines, long lines, long bytes, int longLinesCut, List<String> paths, String origin, int matchesAbandoned) {
  public Explanation {
    causes = List.copyOf(causes);
    errorLines = List.copyOf(errorLines);
    paths = List.copyOf(paths);
  }

  /** The same explanation with its causes confirmed or not by a machine, and why that machine was read. */
  public Explanation withMachine(List<Cause> confirmed, String why) {
    return new Explanation(confirmed, errorLines, lines, bytes, longLinesCut, paths, why, matchesAbandoned);
  }

  /** A numbered line of the log, as matched (colour codes and carriage returns removed). */
  public record Line(long number, String text) {}

  /**
   * One cause: a finding code, how sure (0–1), the lines that show it, what they mean with the
   * versions pulled from the text, the signatures that matched, and what the doctor said
   * ({@code machine}: null unless asked).
   */
  public record Cause(String code, double confidence, List<Line> lines, String explanation, String fix, List<String> signatures, String machine) {
    public Cause {
      lines = List.copyOf(lines);
      signatures = List.copyOf(signatures);
    }

    public Cause withMachine(String m) {
      return new Cause(code, confidence, lines, explanation, fix, signatures, m);
    }
  }

  public boolean unknown() {
    return causes.isEmpty();
  }
}
