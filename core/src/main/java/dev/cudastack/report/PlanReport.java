package dev.cudastack.report;

import dev.cudastack.json.Json;
import dev.cudastack.plan.Plan;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** `cudastack plan` output: text, or JSON with verdicts, stack, commands and env. */
public final class PlanReport {
  private PlanReport() {}

  public static void text(Plan p, PrintWriter out) {
    out.println("cudastack plan  " + p.project().path() + "  →  " + p.target().description());
    out.println("  GPUs " + (p.target().gpus().isEmpty() ? "none given" : String.join(", ", p.target().gpus().stream().map(g -> g.name() + " (sm_" + g.cc() + ")").toList()))
        + " · driver " + (p.target().driver() == null ? "?" : p.target().driver() + " (CUDA ≤ " + p.target().driverMaxCuda() + ")")
        + " · Python " + (p.target().python() == null ? "?" : p.target().python())
        + " · toolkits " + (p.target().toolkits().isEmpty() ? "none" : String.join(", ", p.target().toolkits().stream().map(t -> t.release()).toList())));
    out.println();
    out.println("As written");
    for (Plan.Verdict v : p.verdicts()) {
      out.println("  " + (v.ok() ? "[✓] " : "[✗] ") + v.name() + v.spec() + (v.codes().isEmpty() ? "" : "  " + String.join(", ", v.codes())));
      for (String line : FindingsView.wrap(v.why(), 94)) {
        out.println("        " + line);
      }
    }
    out.println();
    out.println("Plan");
    for (Plan.Entry e : p.stack()) {
      if (!e.checked()) {
        continue;
      }
      out.println("  " + (e.changed() ? "[→] " : "[=] ") + e.name() + " " + e.version() + (e.variant() == null ? "" : " (" + e.variant() + ")") + "  " + e.reason());
    }
    long unchecked = p.stack().stream().filter(e -> !e.checked()).count();
    if (unchecked > 0) {
      out.println("  [·] " + unchecked + " other packages kept as pinned, not checked: "
          + String.join(", ", p.stack().stream().filter(e -> !e.checked()).limit(12).map(Plan.Entry::name).toList()) + (unchecked > 12 ? ", …" : ""));
    }
    out.println();
    out.println("Steps (nothing is installed or run)");
    int n = 1;
    for (String e : p.env()) {
      out.println("  " + n++ + ". " + e);
    }
    for (String c : p.commands()) {
      out.println("  " + n++ + ". " + c);
    }
    if (p.conda() != null) {
      out.println("  conda instead of pip for torch: " + p.conda());
    }
    for (String note : p.notes()) {
      out.println("  note: " + note);
    }
    out.flush();
  }

  public static void json(Plan p, PrintWriter out) {
    Map<String, Object> root = new LinkedHashMap<>();
    Map<String, Object> target = new LinkedHashMap<>();
    target.put("description", p.target().description());
    target.put("gpus", p.target().gpus().stream().map(g -> Map.of("name", g.name(), "computeCapability", g.cc() / 10 + "." + g.cc() % 10)).toList());
    target.put("driver", p.target().driver());
    target.put("driverMaxCuda", p.target().driverMaxCuda());
    target.put("python", p.target().python());
    target.put("toolkits", p.target().toolkits().stream().map(t -> t.release()).toList());
    root.put("target", target);
    List<Object> verdicts = new ArrayList<>();
    for (Plan.Verdict v : p.verdicts()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", v.name());
      m.put("spec", v.spec());
      m.put("ok", v.ok());
      m.put("codes", v.codes());
      m.put("why", v.why());
      m.put("origin", v.origin());
      verdicts.add(m);
    }
    root.put("verdicts", verdicts);
    List<Object> stack = new ArrayList<>();
    for (Plan.Entry e : p.stack()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", e.name());
      m.put("version", e.version());
      m.put("variant", e.variant());
      m.put("index_url", e.indexUrl());
      m.put("changed", e.changed());
      m.put("checked", e.checked());
      m.put("reason", e.reason());
      stack.add(m);
    }
    root.put("stack", stack);
    root.put("commands", p.commands());
    root.put("env", p.env());
    root.put("conda", p.conda());
    root.put("notes", p.notes());
    out.println(Json.write(root));
    out.flush();
  }

  /** A pip constraints file: one line per planned package (exact versions; torch's index as a comment). */
  public static String constraints(Plan p) {
    StringBuilder b = new StringBuilder("# written by cudastack plan for " + p.target().description() + "\n");
    for (Plan.Entry e : p.stack()) {
      if (e.version() == null || e.version().isBlank() || e.version().contains("://")) {
        continue;
      }
      String v = e.version().matches("^[0-9].*") ? "==" + e.version().replaceAll("\\+.*$", "") : e.version();
      b.append(e.name()).append(v).append(e.indexUrl() == null ? "" : "    # from " + e.indexUrl()).append('\n');
    }
    return b.toString();
  }
}
