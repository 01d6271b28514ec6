package dev.cudastack.check;

import dev.cudastack.elf.DeviceCode;
import dev.cudastack.kb.KbException;
import dev.cudastack.model.BinaryInfo;
import dev.cudastack.model.PythonInfo.CudaWheel;
import dev.cudastack.model.PythonInfo.FrameworkBinary;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the frameworks' own shared objects say (read with --binaries, or doctor -v): libraries the
 * loader would not find, versioned symbols no loaded library defines, CUDA libraries taken from
 * LD_LIBRARY_PATH instead of the wheels, and the GPU code torch really carries.
 */
final class BinaryChecks {
  private BinaryChecks() {}

  /** torch's libtorch_cuda.so as read, when it was read and is ELF. */
  static Optional<BinaryInfo> torchBinary(Facts.Env e) {
    return e.env().binaries().stream().filter(b -> b.framework().equals("torch") && b.binary().error() == null).map(FrameworkBinary::binary).findFirst();
  }

  /** torch's device code as the reader's type, when it carries any. */
  static Optional<DeviceCode> torchCode(Facts.Env e) {
    return torchBinary(e).map(BinaryInfo::device).filter(d -> d != null && d.fatbinsWithCode() > 0).map(BinaryChecks::code);
  }

  static DeviceCode code(BinaryInfo.DeviceCode d) {
    return new DeviceCode(d.fatbins(), d.fatbinsWithCode(),
        d.archs().stream().map(a -> new DeviceCode.Arch(a.name(), a.ptx(), a.sm(), a.variant(), a.fatbins(), a.entries(), a.ptxIsa())).toList(),
        d.signatures().stream().map(s -> new DeviceCode.Signature(s.archs(), s.fatbins())).toList(), d.compressed(), d.problems());
  }

  private static final java.util.regex.Pattern SYSTEM = java.util.regex.Pattern.compile(
      "^(libc|libm|libdl|libpthread|librt|libutil|libresolv|libgcc_s|libstdc\\+\\+|ld-linux(-x86-64|-aarch64)?)\\.so(\\.[0-9]+)*$");

  static String file(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  static List<Finding> missing(Facts f) {
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      for (FrameworkBinary fb : e.env().binaries()) {
        BinaryInfo b = fb.binary();
        for (BinaryInfo.Missing m : b.missing()) {
          if (SYSTEM.matcher(m.needed()).matches()) {
            continue; // the C and C++ runtimes: always on a real system; missing only from an incomplete tree
          }
          out.add(new Finding(Codes.LIBRARY_NOT_FOUND, Severity.ERROR,
              fb.framework() + ": " + m.needed() + " is not found for " + file(m.by()),
              file(m.by()) + " (loaded for " + fb.framework() + " from " + file(b.path()) + ") needs " + m.needed() + ", and the loader's search — RPATH, LD_LIBRARY_PATH, RUNPATH, "
                  + "/etc/ld.so.cache, the default directories — finds it nowhere, so importing " + fb.framework() + " fails with '" + m.needed() + ": cannot open shared object file'."
                  + " Usually a pip CUDA wheel is missing, or a library that LD_LIBRARY_PATH provided is gone.",
              e.prefix(), List.of(new Evidence("searched", String.join(", ", m.searched().stream().limit(8).toList()) + (m.searched().size() > 8 ? ", …" : ""), Source.file(m.by()))),
              List.of()));
        }
      }
    }
    return DriverChecks.dedupe(out);
  }

  static List<Finding> symbols(Facts f) {
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      for (FrameworkBinary fb : e.env().binaries()) {
        BinaryInfo b = fb.binary();
        List<BinaryInfo.Unresolved> torchSyms = b.unresolved().stream().filter(u -> u.version().isEmpty()).toList();
        if (!torchSyms.isEmpty()) {
          String torch = e.torch().map(t -> "torch " + t.version()).orElse("the installed torch");
          out.add(new Finding(Codes.EXTENSION_TORCH_MISMATCH, Severity.ERROR,
              fb.framework() + "'s " + file(b.path()) + " needs " + torchSyms.size() + " torch C++ symbol" + (torchSyms.size() == 1 ? "" : "s") + " that " + torch + " does not define",
              file(b.path()) + " was compiled against another torch: it calls " + String.join(", ", torchSyms.stream().limit(3).map(BinaryInfo.Unresolved::symbol).toList())
                  + (torchSyms.size() > 3 ? " and " + (torchSyms.size() - 3) + " more" : "") + ", which none of " + torch + "'s libraries define. Importing "
                  + fb.framework() + " fails with 'undefined symbol: " + torchSyms.getFirst().symbol() + "'. Reinstall " + fb.framework() + " in the build for the installed torch (or the torch it was built for).",
              e.prefix(), List.of(new Evidence("undefined in " + file(b.path()), String.join(" ", torchSyms.stream().limit(5).map(BinaryInfo.Unresolved::symbol).toList()), Source.file(b.path()))),
              List.of()));
        }
        for (BinaryInfo.Unresolved u : b.unresolved()) {
          if (u.version().isEmpty()) {
            continue;
          }
          Optional<BinaryInfo.Load> how = b.loads().stream().filter(l -> l.path().equals(u.provider())).findFirst();
          String where = how.map(l -> ", which the loader takes from " + l.how()).orElse("");
          String what = u.symbol().isEmpty() ? "version " + u.version() + " of " + file(u.provider()) : u.symbol() + "@" + u.version();
          String has = u.providerDefines().isEmpty() ? "" : u.symbol().isEmpty() ? " (it defines up to " + u.providerDefines() + ")" : " (it defines only " + u.providerDefines() + ")";
          out.add(new Finding(Codes.CUDA_LIBRARY_SYMBOL_MISMATCH, Severity.ERROR,
              file(u.object()) + " needs " + what + ", which " + (u.provider().isEmpty() ? "no loaded library" : u.provider()) + " lacks",
              file(u.object()) + " (loaded for " + fb.framework() + ") needs " + what + ". The library that would provide it is " + (u.provider().isEmpty() ? "not known" : u.provider()) + where + has
                  + ". Importing fails with 'undefined symbol: " + (u.symbol().isEmpty() ? u.version() : u.symbol()) + (u.symbol().isEmpty() ? "" : ", version " + u.version())
                  + "' (or 'version `" + u.version() + "' not found'). Libraries of different CUDA minor releases are mixed.",
              e.prefix(), List.of(new Evidence("needed by " + file(u.object()), what, Source.file(u.object())),
                  new Evidence("provider", u.provider() + has, Source.file(u.provider().isEmpty() ? u.object() : u.provider()))),
              how.filter(l -> l.how().startsWith("LD_LIBRARY_PATH")).map(l -> List.<Fix>of(new Fix.SetEnv("LD_LIBRARY_PATH",
                  without(f.env.getOrDefault("LD_LIBRARY_PATH", ""), l.path().substring(0, Math.max(1, l.path().lastIndexOf('/')))),
                  "take " + l.path().substring(0, Math.max(1, l.path().lastIndexOf('/'))) + " off LD_LIBRARY_PATH so the wheel's own copy loads"))).orElse(List.of())));
        }
      }
    }
    return DriverChecks.dedupe(out);
  }

  /** A CUDA library loaded from LD_LIBRARY_PATH while the environment's wheels ship the same file. */
  static List<Finding> shadowed(Facts f) {
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      for (FrameworkBinary fb : e.env().binaries()) {
        for (BinaryInfo.Load l : fb.binary().loads()) {
          if (!l.how().startsWith("LD_LIBRARY_PATH")) {
            continue;
          }
          for (CudaWheel w : e.env().cudaWheels()) {
            if (w.libDir() != null && w.libraries().contains(l.needed()) && !l.path().startsWith(w.libDir() + "/")) {
              String code = l.needed().startsWith("libcudnn") ? Codes.CUDNN_VERSION_MISMATCH : Codes.LIBRARY_SHADOWED;
              out.add(new Finding(code, Severity.WARNING,
                  l.needed() + " loads from LD_LIBRARY_PATH, not from " + w.name() + " " + w.version(),
                  file(l.by()) + " (loaded for " + fb.framework() + ") finds " + l.needed() + " through " + l.how() + ": " + l.path() + ". The environment's wheel " + w.name() + " " + w.version()
                      + " ships its own copy in " + w.libDir() + ", which " + fb.framework() + " was built and tested with. Unless both are the same release, expect undefined symbols or subtly wrong results.",
                  e.prefix(), List.of(new Evidence("loads", l.path() + " (" + l.how() + ")", Source.file(l.by())), new Evidence(w.name(), w.version() + " in " + w.libDir(), Source.file(w.libDir()))),
                  List.of(new Fix.SetEnv("LD_LIBRARY_PATH", without(f.env.getOrDefault("LD_LIBRARY_PATH", ""), l.path().substring(0, Math.max(1, l.path().lastIndexOf('/')))),
                      "take that directory off LD_LIBRARY_PATH"))));
            }
          }
        }
      }
    }
    return DriverChecks.dedupe(out);
  }

  static String without(String ld, String dir) {
    List<String> keep = new ArrayList<>();
    for (String d : ld.split(":")) {
      if (!d.isBlank() && !DriverChecks.sameDir(d, dir)) {
        keep.add(d);
      }
    }
    return String.join(":", keep);
  }

  /** The newest PTX ISA the driver can JIT, when its CUDA is known. */
  static String maxPtxIsa(Facts f) throws KbException {
    return f.driverMaxCuda.isPresent() ? f.kb.maxPtxIsa(f.driverMaxCuda.get()).orElse(null) : null;
  }
}
