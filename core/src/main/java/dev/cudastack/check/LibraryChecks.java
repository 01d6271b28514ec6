package dev.cudastack.check;

import dev.cudastack.kb.Version;
import dev.cudastack.model.LibraryInfo.CudaLibrary;
import dev.cudastack.model.PythonInfo.CudaWheel;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * CUDA libraries a framework loads from its pip wheels, and copies on LD_LIBRARY_PATH that the
 * loader finds first. torch's own libraries find their direct dependencies (cudart, cuBLAS, cuDNN,
 * NCCL) through DT_RPATH, which LD_LIBRARY_PATH cannot override (seen on torch 2.11.0+cu130); but
 * the wheels' libraries find theirs through DT_RUNPATH ($ORIGIN), which LD_LIBRARY_PATH does
 * override: cuBLAS loads cuBLASLt, cuSPARSE loads nvJitLink, libcudnn loads its sub-libraries. So
 * only those are judged here, until the ELF reader decides each case from the binaries. A copy of
 * another major has another file name and does not interfere; an older copy of the same major does.
 */
final class LibraryChecks {
  private LibraryChecks() {}

  /** Library name (as the library probe names it) → the pip wheel family that ships it. */
  private static final List<String[]> KINDS = List.of(
      new String[] {"cublasLt", "nvidia-cublas"},
      new String[] {"cudnn", "nvidia-cudnn"},
      new String[] {"nvJitLink", "nvidia-nvjitlink"});

  static List<Finding> shadowed(Facts f) {
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      if (e.torchCuda().isEmpty() || BinaryChecks.torchBinary(e).isPresent()) {
        continue; // with torch's binaries read, BinaryChecks decides from the real loads
      }
      for (String[] kind : KINDS) {
        Optional<CudaWheel> wheel = e.env().cudaWheels().stream().filter(w -> w.name().startsWith(kind[1]) && w.version() != null).findFirst();
        if (wheel.isEmpty()) {
          continue;
        }
        Optional<Version> w = Version.parse(wheel.get().version());
        for (CudaLibrary lib : f.s.libraries().files()) {
          if (!lib.library().equals(kind[0]) || lib.foundVia().stream().noneMatch(v -> v.startsWith("LD_LIBRARY_PATH")) || !lib.version().isFound()) {
            continue;
          }
          Optional<Version> l = Version.parse(lib.version().get().get());
          if (w.isEmpty() || l.isEmpty() || l.get().major() != w.get().major()) {
            continue; // another major is another SONAME: not loaded instead
          }
          boolean older = l.get().minor() < w.get().minor();
          if (!older) {
            continue;
          }
          String code = kind[0].equals("nvJitLink") ? Codes.CUDA_LIBRARY_SYMBOL_MISMATCH : kind[0].equals("cudnn") ? Codes.CUDNN_VERSION_MISMATCH : Codes.LIBRARY_SHADOWED;
          String consequence = switch (code) {
            case Codes.CUDA_LIBRARY_SYMBOL_MISMATCH -> "cuSPARSE and cuSOLVER from the wheels need nvJitLink " + w.get().major() + "." + w.get().minor()
                + "; the older one fails with 'undefined symbol: __nvJitLinkComplete_" + w.get().major() + "_" + w.get().minor() + ", version libnvJitLink.so." + w.get().major() + "' at import or first use";
            case Codes.CUDNN_VERSION_MISMATCH -> "torch checks the cuDNN it loads and fails with 'cuDNN version incompatibility: PyTorch was compiled against (" + w.get().major() + ", " + w.get().minor()
                + ") but found runtime version (" + l.get().major() + ", " + l.get().minor() + ")', or convolutions fail";
            default -> "cuBLAS then runs with an older cuBLASLt than it was built with: 'undefined symbol' errors or failing GEMMs";
          };
          String dir = lib.path().lastIndexOf('/') > 0 ? lib.path().substring(0, lib.path().lastIndexOf('/')) : "/";
          out.add(new Finding(code, code.equals(Codes.LIBRARY_SHADOWED) ? Severity.WARNING : Severity.ERROR,
              "LD_LIBRARY_PATH puts " + kind[0] + " " + l.get() + " before torch's " + wheel.get().name() + " " + w.get(),
              "torch " + e.torch().get().version() + " uses " + kind[0] + " from its pip wheel " + wheel.get().name() + " " + w.get() + " (" + wheel.get().libDir() + "), loaded by the wheels' own libraries "
                  + "through their RUNPATH, which LD_LIBRARY_PATH overrides. LD_LIBRARY_PATH has " + lib.path() + " (" + l.get() + "), the same major and older, so the loader takes it: " + consequence + ".",
              e.prefix(), List.of(new Evidence(wheel.get().name(), w.get().toString(), Source.file(wheel.get().libDir())),
                  new Evidence("on LD_LIBRARY_PATH", lib.path() + " (" + l.get() + ")", lib.version().source()),
                  new Evidence("LD_LIBRARY_PATH", f.env.getOrDefault("LD_LIBRARY_PATH", ""), Source.env("LD_LIBRARY_PATH"))),
              List.of(new Fix.SetEnv("LD_LIBRARY_PATH", without(f.env.getOrDefault("LD_LIBRARY_PATH", ""), dir),
                  "take " + dir + " off LD_LIBRARY_PATH so torch loads the libraries it ships with (or put a toolkit of CUDA " + w.get().major() + "." + w.get().minor() + " or newer there)"))));
        }
      }
    }
    return DriverChecks.dedupe(out);
  }

  private static String without(String ld, String dir) {
    List<String> keep = new ArrayList<>();
    for (String d : ld.split(":")) {
      if (!d.isBlank() && !DriverChecks.sameDir(d, dir)) {
        keep.add(d);
      }
    }
    return String.join(":", keep);
  }
}
