package dev.cudastack.report;

import dev.cudastack.json.Json;
import dev.cudastack.json.RecordCodec;
import dev.cudastack.model.Snapshot;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The doctor's machine-readable report: {@code reportVersion}, {@code findings} (empty until the
 * checks exist), {@code notes} and the full {@code snapshot} (replayable with --snapshot).
 */
public final class JsonReport {
  public static final int REPORT_VERSION = 1;

  public void render(Snapshot s, PrintWriter out) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("reportVersion", REPORT_VERSION);
    root.put("tool", s.tool());
    root.put("findings", List.of());
    root.put("notes", StackView.notes(s));
    root.put("snapshot", RecordCodec.toTree(s));
    out.println(Json.write(root));
    out.flush();
  }
}
