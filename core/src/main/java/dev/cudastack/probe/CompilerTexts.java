package dev.cudastack.probe;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for host compiler versions and cuDNN's version header. */
final class CompilerTexts {
  private static final Pattern GCC = Pattern.compile("^(?:gcc|g\\+\\+|cc|c\\+\\+)[^\\n]*?\\s(\\d+\\.\\d+(?:\\.\\d+)?)(?:\\s|$)", Pattern.MULTILINE);
  private static final Pattern CLANG = Pattern.compile("clang version (\\d+\\.\\d+(?:\\.\\d+)?)");
  private static final Pattern CUDNN = Pattern.compile("#define\\s+CUDNN_(MAJOR|MINOR|PATCHLEVEL)\\s+(\\d+)");

  private CompilerTexts() {}

  /** The first line of {@code gcc --version} / {@code clang --version}. */
  static Optional<String> compilerVersion(String text) {
    Matcher c = CLANG.matcher(text);
    if (c.find()) {
      return Optional.of(c.group(1));
    }
    Matcher g = GCC.matcher(text);
    return g.find() ? Optional.of(g.group(1)) : Optional.empty();
  }

  /** cudnn_version.h (cuDNN ≥ 8) or cudnn.h (older): CUDNN_MAJOR.MINOR.PATCHLEVEL. */
  static Optional<String> cudnnVersion(String text) {
    String major = null;
    String minor = null;
    String patch = null;
    Matcher m = CUDNN.matcher(text);
    while (m.find()) {
      switch (m.group(1)) {
        case "MAJOR" -> major = m.group(2);
        case "MINOR" -> minor = m.group(2);
        default -> patch = m.group(2);
      }
    }
    if (major == null || minor == null) {
      return Optional.empty();
    }
    return Optional.of(major + "." + minor + (patch == null ? "" : "." + patch));
  }
}
