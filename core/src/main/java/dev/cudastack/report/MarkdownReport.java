package dev.cudastack.report;

import dev.cudastack.check.Diagnosis;
import dev.cudastack.check.Evidence;
import dev.cudastack.check.Finding;
import dev.cudastack.check.Fix;
import dev.cudastack.check.Proposal;
import dev.cudastack.model.Snapshot;
import java.io.PrintWriter;
import java.util.List;

/** The report as GitHub-flavoured Markdown, to paste into an issue; sources fold into details. */
public final class MarkdownReport {
  public void render(Snapshot s, Diagnosis d, PrintWriter out) {
    out.println("## cudastack doctor");
    out.println();
    out.println("_" + escape(TextReport.header(s)) + "_");
    for (StackView.Layer layer : StackView.layers(s)) {
      out.println();
      out.println("### " + layer.title());
      out.println();
      for (StackView.Item item : layer.items()) {
        out.println("- " + emoji(item.mark()) + " " + escape(item.text()));
      }
      List<String> details = layer.items().stream().flatMap(i -> i.details().stream()).distinct().toList();
      if (!details.isEmpty()) {
        out.println();
        out.println("<details><summary>Sources</summary>");
        out.println();
        for (String detail : details) {
          out.println("- " + escape(detail));
        }
        out.println();
        out.println("</details>");
      }
    }
    out.println();
    out.println("### Findings: " + FindingsView.counts(d));
    for (Finding f : d.findings()) {
      out.println();
      out.println("- " + emoji(FindingsView.mark(f.severity())) + " **" + f.code() + "** " + escape(f.title()));
      out.println();
      out.println("  " + escape(f.explanation()));
      if (!f.evidence().isEmpty()) {
        out.println();
        out.println("  <details><summary>Evidence</summary>");
        out.println();
        for (Evidence e : f.evidence()) {
          out.println("  - " + escape(e.fact() + ": " + e.value() + " ← " + e.source().describe()));
        }
        out.println();
        out.println("  </details>");
      }
      if (!f.fixes().isEmpty()) {
        out.println();
        out.println("  ```sh");
        for (Fix x : f.fixes()) {
          out.println("  " + x.shell() + "   # " + x.why());
        }
        out.println("  ```");
      }
    }
 if (!d.fine().isEmpty()) {
      out.println();
      for (String ok : d.fine()) {
        out.println("- " + emoji(StackView.Mark.OK) + " " + escape(ok));
      }
    }
    for (Proposal p : d.proposals()) {
      out.println();
      out.println("### Proposed stack for " + escape(p.prefix()));
      out.println();
      out.println("torch " + escape(p.torch()) + (p.torchChanged() ? "" : " (keep)") + (p.bitsandbytes() == null ? "" : ", " + escape(p.bitsandbytes()))
          + (p.toolkit() == null ? "" : ", toolkit " + escape(p.toolkit())) + ". " + escape(p.why()) + ".");
      out.println();
      out.println("```sh");
      for (Fix x : FindingsView.steps(p)) {
        out.println(x.shell());
      }
      out.println("```");
      for (String note : p.notes()) {
        out.println();
        out.println("_" + escape(note) + "_");
      }
    }
    List<String> notes = new java.util.ArrayList<>(StackView.notes(s));
    notes.addAll(d.notes());
    if (!notes.isEmpty()) {
      out.println();
      out.println("### Partial results");
      out.println();
      notes.forEach(n -> out.println("- " + escape(n)));
    }
    out.flush();
  }

  static String emoji(StackView.Mark m) {
    return switch (m) {
      case OK -> "✅";
      case INFO -> "ℹ️";
      case WARN -> "⚠️";
      case BAD -> "❌";
    };
  }

  /** Keeps paths and version strings literal: no stray emphasis, HTML or table breaks. */
  static String escape(String s) {
    return s.replace("\\", "\\\\").replace("`", "\\`").replace("*", "\\*").replace("_", "\\_")
        .replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|");
  }
}
