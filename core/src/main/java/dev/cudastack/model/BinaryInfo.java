package dev.cudastack.model;

import java.util.List;

/**
 * What one shared object says about itself and how the loader would satisfy it, read from its
 * bytes: SONAME, DT_NEEDED, RPATH/RUNPATH; for each library loaded (directly or not) the file and
 * why; libraries not found; versioned symbols their provider lacks; and the GPU code it carries.
 * {@code error} is set (and the rest empty) when the file is not a readable ELF shared object.
 */
public record BinaryInfo(
    String path,
    String error,
    String soname,
    List<String> needed,
    List<String> rpath,
    List<String> runpath,
    List<Load> loads,
    List<Missing> missing,
    List<Unresolved> unresolved,
    DeviceCode device) {
  public BinaryInfo {
    needed = List.copyOf(needed);
    rpath = List.copyOf(rpath);
    runpath = List.copyOf(runpath);
    loads = List.copyOf(loads);
    missing = List.copyOf(missing);
    unresolved = List.copyOf(unresolved);
  }

  public static BinaryInfo failed(String path, String error) {
    return new BinaryInfo(path, error, null, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null);
  }

  /** A DT_NEEDED entry of {@code by} and the file the loader would map for it, with the rule that found it. */
  public record Load(String needed, String by, String path, String how) {}

  public record Missing(String needed, String by, List<String> searched) {
    public Missing {
      searched = List.copyOf(searched);
    }
  }

  /** {@code symbol@version}, undefined in {@code object}, not defined by {@code provider} (which has {@code providerDefines}). */
  public record Unresolved(String object, String symbol, String version, String provider, String providerDefines) {}

  /**
   * The .nv_fatbin section: how many fat binaries (and how many carry code), the SASS and PTX
   * architectures with in how many fat binaries each appears, the sets that appear together, and
   * whether entries are compressed.
   */
  public record DeviceCode(int fatbins, int fatbinsWithCode, List<Arch> archs, List<Signature> signatures, boolean compressed, List<String> problems) {
    public DeviceCode {
      archs = List.copyOf(archs);
      signatures = List.copyOf(signatures);
      problems = List.copyOf(problems);
    }

    public List<String> sass() {
      return archs.stream().filter(a -> !a.ptx()).map(Arch::name).toList();
    }

    public List<String> ptx() {
      return archs.stream().filter(Arch::ptx).map(Arch::name).toList();
    }
  }

  /** "sm_90", "sm_90a", "compute_120": in how many fat binaries, how many entries, the PTX ISA version. */
  public record Arch(String name, boolean ptx, int sm, String variant, int fatbins, int entries, String ptxIsa) {}

  public record Signature(List<String> archs, int fatbins) {
    public Signature {
      archs = List.copyOf(archs);
    }
  }
}
