package dev.cudastack.explain;

import java.util.List;

/**
 * What a log says: the causes, most likely first; when none is known, the lines that look like
 * errors; and how much was read. With the doctor's help, each cause can be confirmed or not.
 */
public record Explanation(List<Cause> causes, List<Line> errorLines, long lines, long bytes, int longLinesCut) {
  public Explanation {
    causes = List.copyOf(causes);
    errorLines = List.copyOf(errorLines);
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
