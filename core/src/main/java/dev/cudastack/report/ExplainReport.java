package dev.cudastack.report;

import dev.cudastack.explain.Explanation;
import dev.cudastack.json.Json;
import dev.cudastack.json.RecordCodec;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** `cudastack explain` output: text, Markdown, or JSON with a top-level {@code causes} array. */
public final class ExplainReport {
  private ExplainReport() {}

  static final String SUGGESTION = "run `cudastack doctor` on the machine that wrote the log: it reads the whole CUDA stack and names what is wrong";

  public static void json(Explanation e, PrintWriter out) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("causes", e.causes().stream().map(RecordCodec::toTree).toList());
    root.put("unknown", e.unknown());
    root.put("errorLines", e.errorLines().stream().map(RecordCodec::toTree).toList());
    root.put("linesRead", e.lines());
    root.put("bytesRead", e.bytes());
    root.put("longLinesCut", e.longLinesCut());
    root.put("matchesAbandoned", e.matchesAbandoned());
    if (e.origin() != null) {
      root.put("machineRead", e.origin());
    }
    if (e.unknown()) {
      root.put("suggestion", SUGGESTION);
    }
    out.println(Json.write(root));
    out.flush();
  }

  public static void text(Explanation e, PrintWriter out) {
    if (e.unknown()) {
      out.println("cudastack explain: no known cause in " + e.lines() + " lines.");
      if (!e.errorLines().isEmpty()) {
        out.println("Lines that look like errors:");
        for (Explanation.Line l : e.errorLines()) {
          out.println("  " + l.number() + ": " + l.text());
        }
      }
      out.println("Next: " + SUGGESTION + ".");
      abandoned(e, out);
      out.flush();
      return;
    }
    out.println("cudastack explain: " + e.causes().size() + " cause" + (e.causes().size() == 1 ? "" : "s") + " in " + e.lines() + " lines, most likely first");
    if (e.origin() != null) {
      out.println("(" + e.origin() + ")");
    }
    int n = 1;
    for (Explanation.Cause c : e.causes()) {
      out.println();
      out.println(n++ + ". " + c.code() + "  (confidence " + c.confidence() + ")" + (c.machine() == null ? "" : "  — " + c.machine()));
      for (String line : FindingsView.wrap(c.explanation(), 96)) {
        out.println("   " + line);
      }
      for (Explanation.Line l : c.lines()) {
        out.println("   line " + l.number() + ": " + l.text());
      }
      if (c.fix() != null) {
        for (String line : FindingsView.wrap("fix: " + c.fix(), 96)) {
          out.println("   " + line);
        }
      }
    }
    abandoned(e, out);
    out.flush();
  }

  public static void markdown(Explanation e, PrintWriter out) {
    out.println("## cudastack explain");
    out.println();
    if (e.unknown()) {
      out.println("No known cause in " + e.lines() + " lines. Next: " + MarkdownReport.escape(SUGGESTION) + ".");
      for (Explanation.Line l : e.errorLines()) {
        out.println("- line " + l.number() + ": `" + l.text().replace("`", "'") + "`");
      }
      out.flush();
      return;
    }
    if (e.origin() != null) {
      out.println("_" + MarkdownReport.escape(e.origin()) + "_");
      out.println();
    }
    for (Explanation.Cause c : e.causes()) {
      out.println("### " + c.code() + " (confidence " + c.confidence() + ")");
      out.println();
      out.println(MarkdownReport.escape(c.explanation()) + (c.machine() == null ? "" : " _" + MarkdownReport.escape(c.machine()) + "_"));
      out.println();
      out.println("```");
      for (Explanation.Line l : c.lines()) {
        out.println(l.number() + ": " + l.text());
      }
      out.println("```");
      if (c.fix() != null) {
        out.println();
        out.println("**Fix:** " + MarkdownReport.escape(c.fix()));
      }
      out.println();
    }
    out.flush();
  }

  private static void abandoned(Explanation e, PrintWriter out) {
    if (e.matchesAbandoned() > 0) {
      out.println("note: " + e.matchesAbandoned() + " signature match" + (e.matchesAbandoned() == 1 ? " was" : "es were")
          + " given up on lines that made them run too long (a pathological line); the rest of the log was read");
    }
  }

  /** The lines the report shows, for tests. */
  static List<Explanation.Line> lines(Explanation.Cause c) {
    return c.lines();
  }
}
