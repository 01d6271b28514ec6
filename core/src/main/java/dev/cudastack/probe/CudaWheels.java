package dev.cudastack.probe;

import dev.cudastack.model.PythonInfo.CudaWheel;
import dev.cudastack.model.PythonInfo.Distribution;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * NVIDIA's pip wheels of CUDA libraries and the files they put on disk. CUDA 12 wheels
 * (nvidia-cublas-cu12, ...) each own nvidia/COMPONENT/lib; CUDA 13 wheels (nvidia-cublas,
 * nvidia-cuda-runtime, ...) share nvidia/cu13/lib, where each owns the files named after it.
 */
final class CudaWheels {
  /** Component → the library name stem it installs, where they differ. */
  private static final Map<String, String> STEMS = Map.of(
      "cuda-runtime", "libcudart", "cuda-nvrtc", "libnvrtc", "cuda-cupti", "libcupti", "nvjitlink", "libnvJitLink", "cuda-nvcc", "libnvvm");

  private static final java.util.regex.Pattern CU_SUFFIX = java.util.regex.Pattern.compile("-cu\\d+$");

  private CudaWheels() {}

  static List<CudaWheel> read(Machine m, SitePackages site) {
    List<CudaWheel> out = new ArrayList<>();
    for (Distribution d : site.distributions()) {
      String n = PythonTexts.normalize(d.name());
      if (d.shadowed() || !n.startsWith("nvidia-") || n.equals("nvidia-ml-py")) {
        continue;
      }
      String component = CU_SUFFIX.matcher(n.substring("nvidia-".length())).replaceFirst("");
      String own = d.location() + "/nvidia/" + component.replace('-', '_') + "/lib";
      String shared = d.location() + "/nvidia/cu13/lib";
      String stem = STEMS.getOrDefault(component, "lib" + component.replace("cuda-", ""));
      if (m.fs().isDirectory(own)) {
        out.add(new CudaWheel(d.name(), d.version(), own, sharedObjects(m, own, null)));
      } else if (m.fs().isDirectory(shared)) {
        out.add(new CudaWheel(d.name(), d.version(), shared, sharedObjects(m, shared, stem)));
      } else {
        out.add(new CudaWheel(d.name(), d.version(), null, List.of()));
      }
    }
    return out;
  }

  private static List<String> sharedObjects(Machine m, String dir, String stem) {
    String s = stem == null ? null : stem.toLowerCase(Locale.ROOT);
    return m.fs().list(dir, 10_000).names().stream()
        .filter(f -> f.contains(".so"))
        .filter(f -> s == null || f.toLowerCase(Locale.ROOT).startsWith(s + ".") || f.toLowerCase(Locale.ROOT).startsWith(s + "lt."))
        .toList();
  }
}
