package dev.cudastack.report;

import dev.cudastack.check.Diagnosis;
import dev.cudastack.check.Evidence;
import dev.cudastack.check.Finding;
import dev.cudastack.check.Fix;
import dev.cudastack.check.Proposal;
import dev.cudastack.model.ProbeRun;
import dev.cudastack.model.Snapshot;
import java.io.PrintWriter;
import java.util.List;

/** The terminal report: layers with [✓] [·] [!] [✗] marks; {@code verbose} adds sources and timings. */
public final class TextReport {
  private final boolean colour;
  private final boolean verbose;

  public TextReport(boolean colour, boolean verbose) {
    this.colour = colour;
    this.verbose = verbose;
  }

  public void render(Snapshot s, PrintWriter out) {
    render(s, Diagnosis.empty(), out);
  }

  public void render(Snapshot s, Diagnosis d, PrintWriter out) {
    out.println(bold("cudastack doctor") + dim("  " + header(s)));
    for (StackView.Layer layer : StackView.layers(s)) {
      out.println();
      out.println(bold(layer.title()));
      for (StackView.Item item : layer.items()) {
        out.println(" " + mark(item.mark()) + " " + item.text());
        if (verbose) {
          for (String detail : item.details()) {
            out.println("       " + dim(detail));
          }
        }
      }
    }
    List<String> notes = StackView.notes(s);
    if (!notes.isEmpty()) {
      out.println();
      out.println(bold("Partial results") + dim(" (what could not be read)"));
      for (String n : notes) {
        out.println(" " + mark(StackView.Mark.WARN) + " " + n);
      }
    }
    findings(d, out);
    if (verbose) {
      out.println();
      out.println(bold("Probes"));
      for (ProbeRun r : s.probes()) {
        String ms = String.valueOf(r.millis());
        out.println("  " + StackView.pad(r.probe(), 14) + " ".repeat(Math.max(0, 5 - ms.length())) + ms + " ms");
      }
    } else {
      out.println();
      out.println(dim("Run with -v for where each fact came from and probe timings."));
    }
    out.flush();
  }

  private void findings(Diagnosis d, PrintWriter out) {
    out.println();
    out.println(bold("Findings") + dim("  " + FindingsView.counts(d)));
    for (Finding f : d.findings()) {
      out.println(" " + mark(FindingsView.mark(f.severity())) + " " + bold(f.code()) + "  " + f.title());
      for (String line : FindingsView.wrap(f.explanation(), 96)) {
        out.println("       " + line);
      }
      if (verbose) {
        for (Evidence e : f.evidence()) {
          out.println("       " + dim("· " + e.fact() + ": " + e.value() + " ← " + e.source().describe()));
        }
      }
      for (Fix x : f.fixes()) {
        out.println("       fix: " + x.shell() + dim("   # " + x.why()));
      }
    }
    for (String ok : d.fine()) {
      out.println(" " + mark(StackView.Mark.OK) + " " + ok);
    }
    for (Proposal p : d.proposals()) {
      out.println();
      out.println(bold("Proposed stack") + dim("  for " + p.prefix()));
      out.println("  torch " + p.torch() + (p.torchChanged() ? "" : " (keep)") + (p.bitsandbytes() == null ? "" : " · " + p.bitsandbytes())
          + (p.toolkit() == null ? "" : " · toolkit " + p.toolkit()));
      for (String line : FindingsView.wrap(p.why(), 96)) {
        out.println("  " + dim(line));
      }
      int n = 1;
      for (Fix x : FindingsView.steps(p)) {
        out.println("  " + n++ + ". " + x.shell());
      }
      for (String note : p.notes()) {
        out.println("  " + dim("note: " + note));
      }
      if (!p.environment().isEmpty()) {
        out.println("  " + dim("`cudastack fix` writes the export lines into an activation script for this environment."));
      }
    }
    for (String note : d.notes()) {
      out.println(" " + mark(StackView.Mark.WARN) + " " + note);
    }
  }

  static String header(Snapshot s) {
    var i = s.inspection();
    String where = i.isRoot() ? "tree " + i.root() + (i.envFile() == null ? "" : " with " + i.envFile()) : "host " + s.hostname().orElse("?");
    return s.tool() + " · " + where + " · " + s.takenAt()
        + (i.replayedFrom() == null ? "" : " · replayed from " + i.replayedFrom())
        + (i.anonymized() ? " · anonymized" : "");
  }

  private String mark(StackView.Mark m) {
    String t = StackView.asciiMarks().get(m);
    if (!colour) {
      return t;
    }
    String code = switch (m) {
      case OK -> "32";
      case INFO -> "36";
      case WARN -> "33";
      case BAD -> "31";
    };
    return "\u001b[" + code + "m" + t + "\u001b[0m";
  }

  private String bold(String t) {
    return colour ? "\u001b[1m" + t + "\u001b[0m" : t;
  }

  private String dim(String t) {
    return colour ? "\u001b[2m" + t + "\u001b[0m" : t;
  }
}
