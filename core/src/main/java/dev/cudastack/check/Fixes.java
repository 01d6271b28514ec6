package dev.cudastack.check;

import java.util.ArrayList;
import java.util.List;

/** Fixes several checks share. */
final class Fixes {
  private Fixes() {}

  /** The lines that make an installed toolkit the one shells and extension builds use. */
  static List<Fix> toolkitFirst(Facts f, Facts.Toolkit t, String why) {
    return toolkitFirst(f, t, why, null);
  }

  /**
   * As above; with torch's CUDA given, the toolkit's libraries go first on LD_LIBRARY_PATH only when
   * they are not older than torch's (an older cuBLASLt or nvJitLink there would shadow the wheels').
   */
  static List<Fix> toolkitFirst(Facts f, Facts.Toolkit t, String why, String torchCuda) {
    List<Fix> out = new ArrayList<>();
    String home = preferredHome(f, t);
    out.add(new Fix.PrependEnv("PATH", home + "/bin", why + ": its nvcc first on PATH"));
    if (torchCuda == null || Facts.compare(t.release(), torchCuda) >= 0) {
      out.add(new Fix.PrependEnv("LD_LIBRARY_PATH", home + "/lib64", "its libraries first for the loader"));
    }
    for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
      String now = f.env.get(var);
      if (now != null && !now.isBlank() && !now.equals(home) && !now.equals(home + "/")) {
        out.add(new Fix.SetEnv(var, home, "$" + var + " (" + now + ") overrides PATH for torch extension builds, DeepSpeed and Apex"));
      }
    }
    return out;
  }

  /** The toolkit's versioned directory (/usr/local/cuda-12.6) rather than a moving alias. */
  private static String preferredHome(Facts f, Facts.Toolkit t) {
    return t.path();
  }
}
