package dev.cudastack.report;

import dev.cudastack.model.Snapshot;
import java.io.PrintWriter;
import java.util.List;

/** The report as GitHub-flavoured Markdown, to paste into an issue; sources fold into details. */
public final class MarkdownReport {
  public void render(Snapshot s, PrintWriter out) {
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
        for (String d : details) {
          out.println("- " + escape(d));
        }
        out.println();
        out.println("</details>");
      }
    }
    List<String> notes = StackView.notes(s);
    if (!notes.isEmpty()) {
      out.println();
      out.println("### Partial results");
      out.println();
      notes.forEach(n -> out.println("- " + escape(n)));
    }
    out.flush();
  }

  private static String emoji(StackView.Mark m) {
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
