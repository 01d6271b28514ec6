package dev.cudastack.probe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for Python packaging files: METADATA/PKG-INFO headers, pyvenv.cfg and torch/version.py. */
final class PythonTexts {
  private static final Pattern ASSIGN = Pattern.compile("(?m)^\\s*(__version__|cuda|hip)\\s*(?::\\s*[^=]+)?=\\s*(?:'([^']*)'|\"([^\"]*)\"|(None))\\s*$");

  private static final Pattern PYTHON_DIR = Pattern.compile("python\\d+\\.\\d+");

  private PythonTexts() {}

  /** The header block of a METADATA or PKG-INFO file (up to the first blank line); keys may repeat. */
  static Map<String, List<String>> metadataHeaders(String text) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    int pos = 0;
    while (pos < text.length()) {
      int nl = text.indexOf('\n', pos);
      int end = nl < 0 ? text.length() : nl;
      String line = text.substring(pos, end > pos && text.charAt(end - 1) == '\r' ? end - 1 : end);
      if (line.isEmpty()) {
        break;
      }
      int c = line.indexOf(':');
      if (c > 0 && !Character.isWhitespace(line.charAt(0))) {
        out.computeIfAbsent(line.substring(0, c).strip(), k -> new java.util.ArrayList<>()).add(line.substring(c + 1).strip());
      }
      pos = end + 1;
    }
    return out;
  }

  /** pyvenv.cfg: "key = value" lines. */
  static Map<String, String> pyvenvCfg(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Lines.of(text)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT), line.substring(eq + 1).strip());
      }
    }
    return out;
  }

  /** torch/version.py's assignments; a shape we do not know gives an empty result. */
  static Optional<Map<String, Optional<String>>> torchVersionPy(String text) {
    Map<String, Optional<String>> out = new LinkedHashMap<>();
    Matcher m = ASSIGN.matcher(text);
    while (m.find()) {
      String v = m.group(2) != null ? m.group(2) : m.group(3);
      out.putIfAbsent(m.group(1), Optional.ofNullable(v));
    }
    return out.containsKey("__version__") ? Optional.of(out) : Optional.empty();
  }

  /** PEP 503 normalised name: lower case, runs of -_. as one dash. */
  static String normalize(String name) {
    StringBuilder sb = new StringBuilder(name.length());
    boolean sep = false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '-' || c == '_' || c == '.') {
        sep = true;
        continue;
      }
      if (sep && !sb.isEmpty()) {
        sb.append('-');
      }
      sep = false;
      sb.append(Character.toLowerCase(c));
    }
    return sb.toString();
  }

  /** "pythonX.Y" directory names → "X.Y", newest first. */
  static List<String> pythonDirVersions(List<String> names) {
    return names.stream()
        .filter(n -> PYTHON_DIR.matcher(n).matches())
        .map(n -> n.substring("python".length()))
        .sorted((a, b) -> dev.cudastack.model.VersionOrder.compare(b, a))
        .toList();
  }
}
