package dev.cudastack.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for nvidia-smi's outputs: the CSV query and the banner of plain {@code nvidia-smi}. */
final class NvidiaSmiOutput {
  /** The fields asked for with --query-gpu, in this order. */
  static final String QUERY_FIELDS = "index,name,uuid,pci.bus_id,driver_version,compute_cap,memory.total,vbios_version";

  private static final Pattern DRIVER = Pattern.compile("(?:Driver Version|KMD Version):\\s*([0-9][0-9.]*)");
  private static final Pattern CUDA = Pattern.compile("(?:CUDA UMD Version|CUDA Version):\\s*([0-9]+\\.[0-9]+)");

  private NvidiaSmiOutput() {}

  /** One row of {@code --query-gpu=QUERY_FIELDS --format=csv,noheader}. */
  record GpuRow(int index, String name, String uuid, String busId, String driverVersion, String computeCapability, Long memoryMiB) {}

  static List<GpuRow> parseQuery(String csv) {
    List<GpuRow> rows = new ArrayList<>();
    for (String line : Lines.of(csv)) {
      if (line.isBlank() || line.startsWith("index")) {
        continue;
      }
      String[] f = line.split(",", -1);
      if (f.length < 7) {
        continue;
      }
      try {
        rows.add(new GpuRow(
            Integer.parseInt(f[0].strip()),
            clean(f[1]),
            clean(f[2]),
            clean(f[3]),
            clean(f[4]),
            clean(f[5]),
            memory(f[6])));
      } catch (NumberFormatException e) {
        // A row we cannot read is skipped; the caller notes a partial result.
      }
    }
    return rows;
  }

  private static String clean(String s) {
    String t = s.strip();
    return t.isEmpty() || t.startsWith("[N/A") || t.equals("N/A") || t.startsWith("[Not Supported") ? null : t;
  }

  private static Long memory(String s) {
    String t = s.strip().replace("MiB", "").strip();
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The driver version from the banner, in either layout ("Driver Version" or "KMD Version"). */
  static Optional<String> bannerDriver(String banner) {
    Matcher m = DRIVER.matcher(banner);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** The highest CUDA from the banner ("CUDA Version" or "CUDA UMD Version"). */
  static Optional<String> bannerCuda(String banner) {
    Matcher m = CUDA.matcher(banner);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** Whether nvidia-smi reported the kernel module and user-space libraries out of step. */
  static boolean versionMismatch(String output) {
    return output.contains("Driver/library version mismatch");
  }
}
