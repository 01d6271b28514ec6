package dev.cudastack.report;

import dev.cudastack.check.Diagnosis;
import dev.cudastack.json.Json;
import dev.cudastack.json.RecordCodec;
import dev.cudastack.model.Snapshot;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The doctor's machine-readable report: {@code reportVersion}, {@code exitCode}, {@code summary}, {@code findings}
 * (code, severity, title, explanation, subject, evidence, fixes with their shell lines), {@code proposals}, {@code notes} and the full {@code snapshot} (replayable with --snapshot).
 */
public final class JsonReport {
  public static final int REPORT_VERSION = 1;

  public void render(Snapshot s, Diagnosis d, PrintWriter out) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("reportVersion", REPORT_VERSION);
    root.put("tool", s.tool());
    root.put("exitCode", d.exitCode());
    root.put("summary", FindingsView.counts(d));
    root.put("findings", d.findings().stream().map(FindingsView::json).toList());
    root.put("fine", d.fine());
    root.put("proposals", d.proposals().stream().map(FindingsView::json).toList());
    List<String> notes = new java.util.ArrayList<>(StackView.notes(s));
    notes.addAll(d.notes());
    root.put("notes", notes);
    root.put("snapshot", RecordCodec.toTree(s));
    out.println(Json.write(root));
    out.flush();
  }
}
