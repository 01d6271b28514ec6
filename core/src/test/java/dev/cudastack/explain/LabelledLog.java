package dev.cudastack.explain;

import dev.cudastack.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real log with the code its source labels it with, read from a JSON-lines file (id, code, log). */
record LabelledLog(String id, String code, String text) {
  @Override
  public String toString() {
    return id + " → " + code;
  }

  static List<LabelledLog> read(Path jsonl) throws Exception {
    List<LabelledLog> out = new ArrayList<>();
    for (String l : Files.readAllLines(jsonl)) {
      if (!l.isBlank()) {
        Map<?, ?> m = (Map<?, ?>) Json.parse(l);
        out.add(new LabelledLog((String) m.get("id"), (String) m.get("code"), (String) m.get("log")));
      }
    }
    return out;
  }
}
