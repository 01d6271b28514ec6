package dev.cudastack.probe;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the files and outputs that tell a CUDA toolkit's version. */
final class ToolkitTexts {
  private static final Pattern JSON_CUDA =
      Pattern.compile("\"cuda\"\\s*:\\s*\\{[^}]*?\"version\"\\s*:\\s*\"([0-9][0-9.]*)\"", Pattern.DOTALL);
  private static final Pattern TXT = Pattern.compile("CUDA Version\\s+([0-9]+\\.[0-9]+(?:\\.[0-9]+)*)");
  private static final Pattern CUDA_H = Pattern.compile("#define\\s+CUDA_VERSION\\s+(\\d+)");
  private static final Pattern NVCC = Pattern.compile("release\\s+([0-9]+\\.[0-9]+),\\s*V([0-9]+\\.[0-9]+(?:\\.[0-9]+)*)");
  private static final Pattern NVCC_RELEASE = Pattern.compile("release\\s+([0-9]+\\.[0-9]+)");

  private ToolkitTexts() {}

  /** version.json (CUDA ≥ 11.1): {@code {"cuda": {"version": "12.6.2"}}}. */
  static Optional<String> versionJson(String text) {
    Matcher m = JSON_CUDA.matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** version.txt (CUDA ≤ 11.0): {@code CUDA Version 10.1.243}. */
  static Optional<String> versionTxt(String text) {
    Matcher m = TXT.matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** include/cuda.h: {@code #define CUDA_VERSION 12060} → 12.6. */
  static Optional<String> cudaHeader(String text) {
    Matcher m = CUDA_H.matcher(text);
    if (!m.find()) {
      return Optional.empty();
    }
    int v = Integer.parseInt(m.group(1).length() > 7 ? "0" : m.group(1));
    return v <= 0 ? Optional.empty() : Optional.of(v / 1000 + "." + (v % 1000) / 10);
  }

  /** {@code nvcc --version}: "Cuda compilation tools, release 13.0, V13.0.88" → 13.0.88. */
  static Optional<String> nvccVersion(String text) {
    Matcher m = NVCC.matcher(text);
    if (m.find()) {
      return Optional.of(m.group(2));
    }
    Matcher r = NVCC_RELEASE.matcher(text);
    return r.find() ? Optional.of(r.group(1)) : Optional.empty();
  }

  /** The encoded CUDA version (1000*major + 10*minor) as "major.minor". */
  static String decode(int encoded) {
    return encoded / 1000 + "." + (encoded % 1000) / 10;
  }
}
