package dev.cudastack.report;

import dev.cudastack.check.Diagnosis;
import dev.cudastack.check.Finding;
import dev.cudastack.check.Fix;
import dev.cudastack.check.Proposal;
import dev.cudastack.check.Severity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The environment part of a diagnosis as a shell script block (bash, zsh or fish), and the merge
 * of that block into an existing file: the block sits between marker lines and a second run
 * replaces it in place, so writing twice changes nothing. Pure text in, text out.
 */
public final class FixScript {
  public static final String BEGIN = "# >>> cudastack fix >>>";
  public static final String END = "# <<< cudastack fix <<<";

  private FixScript() {}

  /** The shells a script can be written for. */
  public enum Shell {
    BASH,
    ZSH,
    FISH;

    public static Shell parse(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * The environment fixes to apply: a proposal's (which already form one coherent change), else
   * those of the error and warning findings; one per variable, the first wins.
   */
  public static List<Fix> environment(Diagnosis d) {
    Map<String, Fix> byVar = new LinkedHashMap<>();
    for (Proposal p : d.proposals()) {
      for (Fix f : p.environment()) {
        byVar.putIfAbsent(var(f), f);
      }
    }
    if (byVar.isEmpty()) {
      for (Finding x : d.findings()) {
        if (x.severity() == Severity.INFO) {
          continue;
        }
        for (Fix f : x.fixes()) {
          if (f.environmental()) {
            byVar.putIfAbsent(var(f), f);
          }
        }
      }
    }
    return List.copyOf(byVar.values());
  }

  /** The install commands that go with them, printed for the user to run. */
  public static List<Fix> installs(Diagnosis d) {
    List<Fix> out = new ArrayList<>();
    for (Proposal p : d.proposals()) {
      out.addAll(p.installs());
    }
    return out;
  }

  private static String var(Fix f) {
    if (f instanceof Fix.SetEnv s) {
      return s.name();
    }
    if (f instanceof Fix.PrependEnv p) {
      return p.name();
    }
    return ((Fix.UnsetEnv) f).name();
  }

  /** The marked block for these fixes; {@code header} lines become comments. */
  public static String block(List<Fix> fixes, Shell shell, List<String> header) {
    StringBuilder b = new StringBuilder();
    b.append(BEGIN).append('\n');
    for (String h : header) {
      b.append("# ").append(comment(h)).append('\n');
    }
    for (Fix f : fixes) {
      b.append("# ").append(comment(f.why())).append('\n');
      b.append(line(f, shell)).append('\n');
    }
    b.append(END).append('\n');
    return b.toString();
  }

  /** Comment text on one line: a newline in a value from the machine must not start a command. */
  private static String comment(String s) {
    return s.replace('\r', ' ').replace('\n', ' ');
  }

  static String line(Fix f, Shell shell) {
    if (shell == Shell.FISH) {
      if (f instanceof Fix.SetEnv s) {
        return "set -gx " + s.name() + " " + fishQuote(s.value());
      }
      if (f instanceof Fix.PrependEnv p) {
        return "set -gx " + p.name() + " " + fishQuote(p.value()) + " $" + p.name();
      }
      return "set -e " + ((Fix.UnsetEnv) f).name();
    }
    if (f instanceof Fix.SetEnv s) {
      return "export " + s.name() + "=" + shQuote(s.value());
    }
    if (f instanceof Fix.PrependEnv p) {
      String rest = p.name().equals("PATH") ? ":$PATH" : "${" + p.name() + ":+:$" + p.name() + "}";
      return "export " + p.name() + "=\"" + p.value().replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$").replace("`", "\\`") + rest + "\"";
    }
    return "unset " + ((Fix.UnsetEnv) f).name();
  }

  private static String shQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static String fishQuote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  /** The file's markers are broken (a BEGIN without its END, two blocks, ...): refuse to edit it. */
  public static final class BrokenMarkers extends Exception {
    private static final long serialVersionUID = 1L;

    BrokenMarkers(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The file's new content: {@code existing} with its marked block replaced by {@code block}, or
   * with the block appended (after a blank line) when it has none. Null existing = a new file.
   * Markers count only as whole lines, and only as one BEGIN line followed by one END line;
   * anything else is refused rather than guessed, so no line of the user's is ever cut.
   */
  public static String merge(String existing, String block) throws BrokenMarkers {
    if (existing == null || existing.isEmpty()) {
      return block;
    }
    List<String> lines = new ArrayList<>(List.of(existing.split("\n", -1)));
    int begin = -1;
    int end = -1;
    int begins = 0;
    int ends = 0;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (l.equals(BEGIN)) {
        begins++;
        begin = i;
      } else if (l.equals(END)) {
        ends++;
        end = i;
      }
    }
    if (begins == 0 && ends == 0) {
      return existing + (existing.endsWith("\n") ? "" : "\n") + "\n" + block;
    }
    if (begins != 1 || ends != 1 || end < begin) {
      throw new BrokenMarkers("its cudastack markers are not one '" + BEGIN + "' line followed by one '" + END + "' line; fix or remove them by hand");
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < begin; i++) {
      out.append(lines.get(i)).append('\n');
    }
    out.append(block);
    for (int i = end + 1; i < lines.size(); i++) {
      out.append(lines.get(i));
      if (i < lines.size() - 1) {
        out.append('\n');
      }
    }
    return out.toString();
  }

  /**
   * A line diff of two texts, as unified-style lines ("-old", "+new", " same"), for --dry-run. The
   * common head and tail are trimmed first (shown as one context line each side), so a long file
   * with a changed block costs only the block.
   */
  public static List<String> diff(String before, String after) {
    List<String> a = lines(before);
    List<String> b = lines(after);
    int head = 0;
    while (head < a.size() && head < b.size() && a.get(head).equals(b.get(head))) {
      head++;
    }
    int tail = 0;
    while (tail < a.size() - head && tail < b.size() - head && a.get(a.size() - 1 - tail).equals(b.get(b.size() - 1 - tail))) {
      tail++;
    }
    List<String> x = a.subList(head, a.size() - tail);
    List<String> y = b.subList(head, b.size() - tail);
    List<String> out = new ArrayList<>();
    if (head > 0) {
      out.add(head > 1 ? "@@ " + (head - 1) + " unchanged line(s) @@" : " " + a.get(0));
      if (head > 1) {
        out.add(" " + a.get(head - 1));
      }
    }
    if ((long) x.size() * y.size() > 4_000_000L) {
      x.forEach(l -> out.add("-" + l));
      y.forEach(l -> out.add("+" + l));
    } else {
      int[][] lcs = new int[x.size() + 1][y.size() + 1];
      for (int i = x.size() - 1; i >= 0; i--) {
        for (int j = y.size() - 1; j >= 0; j--) {
          lcs[i][j] = x.get(i).equals(y.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
      }
      int i = 0;
      int j = 0;
      while (i < x.size() || j < y.size()) {
        if (i < x.size() && j < y.size() && x.get(i).equals(y.get(j))) {
          out.add(" " + x.get(i++));
          j++;
        } else if (j < y.size() && (i == x.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
          out.add("+" + y.get(j++));
        } else {
          out.add("-" + x.get(i++));
        }
      }
    }
    if (tail > 0) {
      out.add(" " + a.get(a.size() - tail));
      if (tail > 1) {
        out.add("@@ " + (tail - 1) + " unchanged line(s) @@");
      }
    }
    return out;
  }

  private static List<String> lines(String text) {
    if (text == null || text.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(List.of(text.split("\n", -1)));
    if (out.getLast().isEmpty()) {
      out.removeLast();
    }
    return out;
  }
}
