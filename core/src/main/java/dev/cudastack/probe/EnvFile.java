package dev.cudastack.probe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads KEY=VALUE lines (as {@code env} prints them, or a shell file with {@code export}); blank
 * lines and # comments are skipped; single or double quotes around a value are removed.
 */
public final class EnvFile {
  private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private EnvFile() {}

  public static Map<String, String> parse(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String raw : Lines.of(text)) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = line.substring(0, eq).strip();
      if (!KEY.matcher(key).matches()) {
        continue;
      }
      out.put(key, unquote(line.substring(eq + 1)));
    }
    return out;
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && ((v.startsWith("\"") && v.endsWith("\"")) || (v.startsWith("'") && v.endsWith("'")))) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }
}
