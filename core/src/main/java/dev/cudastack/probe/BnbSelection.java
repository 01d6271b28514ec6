package dev.cudastack.probe;

import dev.cudastack.model.PythonInfo.BnbSetup;
import dev.cudastack.model.PythonInfo.TorchBuild;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which native library bitsandbytes will load, following the rule of its version (sources in
 * ../shared/research/kb-python.md, section B; docs/python.md summarises them):
 *
 * <ul>
 *   <li>≤ 0.40: the CUDA version of the first libcudart found in $CONDA_PREFIX/lib, then
 *       LD_LIBRARY_PATH, then any other variable holding a path; none → the CPU library.
 *   <li>0.41 – 0.43.0: torch's CUDA version; BNB_CUDA_VERSION overrides it; missing → CPU.
 *   <li>0.43.1 – 0.44: the same from torch (new loader); missing → CPU with a warning.
 *   <li>until 0.44, a GPU below compute capability 7.5 asks for the {@code _nocublaslt} variant.
 *   <li>0.45: exact name, no variants; missing → CPU.
 *   <li>0.46 – 0.49: exact name; missing → an error when a GPU function is first called.
 *   <li>≥ 0.50: exact, else the nearest lower, else the nearest higher CUDA of the same major.
 * </ul>
 */
final class BnbSelection {
  private static final Pattern BINARY = Pattern.compile("^libbitsandbytes_(cuda|rocm)(\\d+)(_nocublaslt)?\\.so$");
  private static final List<String> CUDART_NAMES = List.of("libcudart.so", "libcudart.so.11.0", "libcudart.so.12.0");

  /** A libcudart found for the ≤ 0.40 rule: where, and its CUDA version as "126". */
  record Cudart(String path, String cudaDigits) {}

  /** Looks for a libcudart in one directory (a filesystem seam, so tests and --root share it). */
  interface CudartLookup {
    Optional<Cudart> find(String dir, List<String> names);
  }

  private BnbSelection() {}

  static BnbSetup select(
      String version,
      String location,
      List<String> files,
      TorchBuild torch,
      Map<String, String> env,
      Optional<Double> highestCapability,
      CudartLookup cudart) {
    List<String> binaries = files.stream().filter(f -> f.startsWith("libbitsandbytes") && f.endsWith(".so")).sorted().toList();
    int[] v = numbers(version);
    boolean hasCuda = binaries.stream().anyMatch(b -> BINARY.matcher(b).matches());
    String cpuLib = binaries.contains("libbitsandbytes_cpu.so") ? "libbitsandbytes_cpu.so" : null;
    if (!hasCuda) {
      return new BnbSetup(version, location, rule(v), binaries, cpuLib, "ships no CUDA library (a CPU-only build)", cpuLib, "cpu");
    }
    if (before(v, 0, 41, 0)) {
      return libcudartEra(version, location, binaries, env, highestCapability, cudart, cpuLib, v);
    }
    if (torch == null) {
      return new BnbSetup(version, location, rule(v), binaries, null, "no torch in this environment: bitsandbytes cannot be imported", null, "error");
    }
    boolean rocm = torch.hip() != null && !before(v, 0, 48, 0);
    if (torch.cuda() == null && !rocm) {
      return new BnbSetup(version, location, rule(v), binaries, cpuLib, "torch " + torch.version() + " has no CUDA, so bitsandbytes loads its CPU library", cpuLib, "cpu");
    }
    String torchDigits = digits(rocm ? torch.hip() : torch.cuda());
    String digitsUsed = torchDigits;
    String because = "torch " + torch.version() + " was built with " + (rocm ? "ROCm " + torch.hip() : "CUDA " + torch.cuda());
    Optional<String> override = Optional.ofNullable(env.get("BNB_CUDA_VERSION")).filter(s -> !s.isBlank());
    if (override.isPresent()) {
      digitsUsed = override.get().strip();
      because += ", but BNB_CUDA_VERSION=" + digitsUsed + " overrides it";
    }
    String prefix = rocm ? "rocm" : "cuda";
    boolean variants = before(v, 0, 45, 0);
    String name = "libbitsandbytes_" + prefix + digitsUsed;
    String wanted = name + ".so";
    String nocublaslt = name + "_nocublaslt.so";
    if (variants && highestCapability.isPresent() && highestCapability.get() < 7.5) {
      wanted = nocublaslt;
      because += "; the GPUs' highest compute capability " + highestCapability.get() + " is below 7.5, so the _nocublaslt variant";
    } else if (variants && highestCapability.isEmpty()) {
      because += " (a GPU below compute capability 7.5 would ask for " + nocublaslt
          + (binaries.contains(nocublaslt) ? ", which it ships" : ", which it does not ship") + ")";
    }
    if (binaries.contains(wanted)) {
      return new BnbSetup(version, location, rule(v), binaries, wanted, because, wanted, "cuda");
    }
    if (!before(v, 0, 50, 0) && !rocm) {
      Optional<String> near = nearestSameMajor(binaries, digitsUsed);
      if (near.isPresent()) {
        return new BnbSetup(version, location, rule(v), binaries, wanted, because + "; " + wanted + " is not shipped, so it takes the nearest of the same CUDA major, " + near.get(), near.get(), "cuda");
      }
    }
    boolean fails = !before(v, 0, 46, 0);
    String end = fails
        ? "; it is not shipped, so loading fails and every GPU function raises an error"
        : "; it is not shipped, so bitsandbytes falls back to " + (cpuLib == null ? "a CPU library it does not have" : cpuLib);
    return new BnbSetup(version, location, rule(v), binaries, wanted, because + end, fails ? null : cpuLib, fails ? "error" : "cpu");
  }

  private static BnbSetup libcudartEra(
      String version, String location, List<String> binaries, Map<String, String> env, Optional<Double> cc, CudartLookup lookup, String cpuLib, int[] v) {
    List<String[]> dirs = new ArrayList<>();
    Optional.ofNullable(env.get("CONDA_PREFIX")).filter(s -> !s.isBlank()).ifPresent(p -> dirs.add(new String[] {p + "/lib", "$CONDA_PREFIX/lib"}));
    for (String d : env.getOrDefault("LD_LIBRARY_PATH", "").split(":")) {
      if (!d.isBlank()) {
        dirs.add(new String[] {d, "LD_LIBRARY_PATH"});
      }
    }
    Set<String> seen = new LinkedHashSet<>();
    env.keySet().stream().sorted().forEach(k -> {
      if (!k.equals("LD_LIBRARY_PATH") && !k.equals("CONDA_PREFIX") && !k.equals("PATH") && env.get(k).contains("/")) {
        for (String d : env.get(k).split(":")) {
          if (d.startsWith("/") && seen.add(d)) {
            dirs.add(new String[] {d, "$" + k});
          }
        }
      }
    });
    for (String[] d : dirs) {
      Optional<Cudart> found = lookup.find(d[0], CUDART_NAMES);
      if (found.isEmpty()) {
        continue;
      }
      Cudart c = found.get();
      String base = "libbitsandbytes_cuda" + c.cudaDigits();
      String because = "it reads the CUDA version of the first libcudart it finds: " + c.path() + " (from " + d[1] + ") is CUDA " + c.cudaDigits();
      String wanted = base + ".so";
      if (cc.isPresent() && cc.get() < 7.5) {
        wanted = base + "_nocublaslt.so";
        because += "; compute capability " + cc.get() + " is below 7.5, so the _nocublaslt variant";
      } else if (cc.isEmpty()) {
        String alt = base + "_nocublaslt.so";
        because += " (a GPU below compute capability 7.5 would ask for " + alt + (binaries.contains(alt) ? ", which it ships" : ", which it does not ship either") + ")";
      }
      if (binaries.contains(wanted)) {
        return new BnbSetup(version, location, rule(v), binaries, wanted, because, wanted, "cuda");
      }
      return new BnbSetup(version, location, rule(v), binaries, wanted, because + "; it does not ship " + wanted + ", so it falls back to " + cpuLib, cpuLib, "cpu");
    }
    return new BnbSetup(version, location, rule(v), binaries, null,
        "no libcudart.so in $CONDA_PREFIX/lib, LD_LIBRARY_PATH or other path variables, so it loads " + cpuLib, cpuLib, "cpu");
  }

  /** The shipped CUDA binary of the same major nearest to the wanted one: lower first, then higher. */
  static Optional<String> nearestSameMajor(List<String> binaries, String wantedDigits) {
    int wanted = toInt(wantedDigits);
    if (wanted < 0) {
      return Optional.empty();
    }
    int major = wanted / 10;
    String lower = null;
    int lowerV = -1;
    String higher = null;
    int higherV = Integer.MAX_VALUE;
    for (String b : binaries) {
      Matcher m = BINARY.matcher(b);
      if (!m.matches() || !m.group(1).equals("cuda") || m.group(3) != null) {
        continue;
      }
      int have = toInt(m.group(2));
      if (have / 10 != major) {
        continue;
      }
      if (have < wanted && have > lowerV) {
        lowerV = have;
        lower = b;
      } else if (have > wanted && have < higherV) {
        higherV = have;
        higher = b;
      }
    }
    return Optional.ofNullable(lower != null ? lower : higher);
  }

  private static int toInt(String s) {
    try {
      return s.length() > 6 ? -1 : Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** "12.1" → "121"; "13.0" → "130". */
  static String digits(String cuda) {
    String[] p = cuda.split("\\.");
    StringBuilder sb = new StringBuilder(p[0]);
    if (p.length >= 2) {
      for (char c : p[1].toCharArray()) {
        if (!Character.isDigit(c)) {
          break;
        }
        sb.append(c);
      }
    }
    return sb.toString();
  }

  static String rule(int[] v) {
    if (before(v, 0, 41, 0)) {
      return "≤ 0.40: CUDA version of the first libcudart found through $CONDA_PREFIX, LD_LIBRARY_PATH and other variables";
    }
    if (before(v, 0, 45, 0)) {
      return "0.41–0.44: torch's CUDA version (BNB_CUDA_VERSION overrides), _nocublaslt below compute capability 7.5, CPU fallback";
    }
    if (before(v, 0, 46, 0)) {
      return "0.45: torch's CUDA version, exact file name, CPU fallback";
    }
    if (before(v, 0, 50, 0)) {
      return "0.46–0.49: torch's CUDA version, exact file name, error when missing";
    }
    return "≥ 0.50: torch's CUDA version, else the nearest lower, else higher, of the same major";
  }

  private static int[] numbers(String version) {
    int[] out = new int[3];
    String[] parts = version.split("[.+-]");
    for (int i = 0; i < 3 && i < parts.length; i++) {
      Matcher m = Pattern.compile("^(\\d{1,6})").matcher(parts[i]);
      out[i] = m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
    return out;
  }

  private static boolean before(int[] v, int a, int b, int c) {
    if (v[0] != a) {
      return v[0] < a;
    }
    if (v[1] != b) {
      return v[1] < b;
    }
    return v[2] < c;
  }
}
