package dev.cudastack.probe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the driver's own text files under /proc and /sys. */
final class DriverTexts {
  private static final Pattern VERSION = Pattern.compile("\\b(\\d{3,4}\\.\\d{1,3}(?:\\.\\d{1,3})?)\\b");
  private static final Pattern LIB_VERSION = Pattern.compile("\\.so\\.(\\d{3,4}\\.\\d{1,3}(?:\\.\\d{1,3})?)$");

  private static final Pattern BARE = Pattern.compile("\\d{3,4}\\.\\d{1,3}(\\.\\d{1,3})?");

  private DriverTexts() {}

  /** A bare driver version such as "580.159.04" (the content of /sys/module/nvidia/version). */
  static Optional<String> bareVersion(String text) {
    String t = text.strip();
    return BARE.matcher(t).matches() ? Optional.of(t) : Optional.empty();
  }

  /**
   * The "NVRM version:" line of /proc/driver/nvidia/version: the version and the module's own
   * description (open or proprietary kernel module).
   */
  static Optional<Map.Entry<String, String>> nvrmLine(String text) {
    for (String line : Lines.of(text)) {
      if (!line.startsWith("NVRM version:")) {
        continue;
      }
      String rest = line.substring("NVRM version:".length()).strip();
      Matcher m = VERSION.matcher(rest);
      if (m.find()) {
        String description = rest.substring(0, m.start()).strip();
        return Optional.of(Map.entry(m.group(1), description));
      }
    }
    return Optional.empty();
  }

  /** The driver version in a user-space library file name, e.g. libcuda.so.580.159.04. */
  static Optional<String> libraryFileVersion(String fileName) {
    Matcher m = LIB_VERSION.matcher(fileName);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** /proc/driver/nvidia/gpus/BUS/information: "Key: value" lines. */
  static Map<String, String> gpuInformation(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Lines.of(text)) {
      int c = line.indexOf(':');
      if (c > 0) {
        out.put(line.substring(0, c).strip(), line.substring(c + 1).strip());
      }
    }
    return out;
  }
}
