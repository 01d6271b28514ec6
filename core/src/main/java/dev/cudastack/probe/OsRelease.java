package dev.cudastack.probe;

import dev.cudastack.model.OsInfo.Distro;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Parses /etc/os-release (KEY=VALUE lines, values optionally quoted). */
final class OsRelease {
  private OsRelease() {}

  static Optional<Distro> parse(String text) {
    Map<String, String> kv = new HashMap<>();
    for (String line : Lines.of(text)) {
      int eq = line.indexOf('=');
      if (line.isBlank() || line.startsWith("#") || eq <= 0) {
        continue;
      }
      kv.put(line.substring(0, eq).strip(), unquote(line.substring(eq + 1).strip()));
    }
    if (!kv.containsKey("ID") && !kv.containsKey("NAME")) {
      return Optional.empty();
    }
    String id = kv.getOrDefault("ID", kv.getOrDefault("NAME", "linux"));
    String pretty = kv.getOrDefault("PRETTY_NAME", kv.getOrDefault("NAME", id) + " " + kv.getOrDefault("VERSION", ""));
    return Optional.of(new Distro(id, kv.getOrDefault("VERSION_ID", ""), pretty.strip()));
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1).replace("\\\"", "\"");
    }
    return v;
  }
}
