package dev.cudastack.report;

import dev.cudastack.check.Diagnosis;
import dev.cudastack.check.Finding;
import dev.cudastack.check.Fix;
import dev.cudastack.check.Proposal;
import dev.cudastack.check.Severity;
import dev.cudastack.json.RecordCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every renderer shows of a diagnosis: counts, marks, wrapped text, fixes as shell lines. */
final class FindingsView {
  private FindingsView() {}

  static String counts(Diagnosis d) {
    long e = d.findings().stream().filter(f -> f.severity() == Severity.ERROR).count();
    long w = d.findings().stream().filter(f -> f.severity() == Severity.WARNING).count();
    long i = d.findings().stream().filter(f -> f.severity() == Severity.INFO).count();
    List<String> parts = new ArrayList<>();
    if (e > 0) {
      parts.add(e + (e == 1 ? " error" : " errors"));
    }
    if (w > 0) {
      parts.add(w + (w == 1 ? " warning" : " warnings"));
    }
    if (i > 0) {
      parts.add(i + " info");
    }
    return parts.isEmpty() ? "no problems found" : String.join(", ", parts);
  }

  static StackView.Mark mark(Severity s) {
    return s == Severity.ERROR ? StackView.Mark.BAD : s == Severity.WARNING ? StackView.Mark.WARN : StackView.Mark.INFO;
  }

  /** Lines of at most {@code width} characters. */
  static List<String> wrap(String text, int width) {
    List<String> out = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        out.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0) {
      out.add(line.toString());
    }
    return out;
  }

  /** The ordered steps of a proposal: environment lines, then installs. */
  static List<Fix> steps(Proposal p) {
    List<Fix> out = new ArrayList<>(p.environment());
    out.addAll(p.installs());
    return out;
  }

  /** A finding as JSON: the record's fields, and each fix with its shell line. */
  static Map<String, Object> json(Finding f) {
    @SuppressWarnings("unchecked")
    Map<String, Object> tree = (Map<String, Object>) RecordCodec.toTree(f);
    tree.put("fixes", fixes(f.fixes()));
    return tree;
  }

  static Map<String, Object> json(Proposal p) {
    @SuppressWarnings("unchecked")
    Map<String, Object> tree = (Map<String, Object>) RecordCodec.toTree(p);
    tree.put("environment", fixes(p.environment()));
    tree.put("installs", fixes(p.installs()));
    return tree;
  }

  private static List<Object> fixes(List<Fix> fixes) {
    List<Object> out = new ArrayList<>();
    for (Fix x : fixes) {
      @SuppressWarnings("unchecked")
      Map<String, Object> t = new LinkedHashMap<>((Map<String, Object>) RecordCodec.toTree(x));
      t.put("shell", x.shell());
      out.add(t);
    }
    return out;
  }
}
