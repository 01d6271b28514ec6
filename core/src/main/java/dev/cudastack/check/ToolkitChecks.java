package dev.cudastack.check;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.Gates;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.model.HostCompilerInfo;
import dev.cudastack.model.PythonInfo.Distribution;
import dev.cudastack.model.Source;
import dev.cudastack.model.ToolkitInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The toolkit layer as extension builds see it: which nvcc, matching torch, its host compiler, its archs. */
final class ToolkitChecks {
  private ToolkitChecks() {}

  /** How well a toolkit fits torch's CUDA: 2 for the same major, +1 for the same minor. */
  static int fit(String toolkit, String torchCuda) {
    int s = Facts.major(toolkit) == Facts.major(torchCuda) ? 2 : 0;
    return s + (Facts.majorMinor(toolkit).equals(Facts.majorMinor(torchCuda)) ? 1 : 0);
  }

  /** The installed toolkit (with nvcc) that fits torch's CUDA best: same major, then same minor, then the nearest minor. */
  static Optional<Facts.Toolkit> best(Facts f, String torchCuda) {
    Facts.Toolkit best = null;
    for (Facts.Toolkit t : f.toolkits) {
      if (!t.hasNvcc()) {
        continue;
      }
      if (best == null || fit(t.release(), torchCuda) > fit(best.release(), torchCuda)
          || fit(t.release(), torchCuda) == fit(best.release(), torchCuda) && distance(t.release(), torchCuda) < distance(best.release(), torchCuda)) {
        best = t;
      }
    }
    return Optional.ofNullable(best);
  }

  private static long distance(String a, String b) {
    var x = dev.cudastack.kb.Version.of(Facts.majorMinor(a));
    var y = dev.cudastack.kb.Version.of(Facts.majorMinor(b));
    return Math.abs((x.major() * 100 + x.minor()) - (y.major() * 100 + y.minor()));
  }

  private static Evidence extEvidence(Facts f, Facts.Toolkit t) {
    ToolkitInfo.ExtensionBuild b = f.extensionBuild.orElseThrow();
    return new Evidence("extension builds' nvcc", t.version() + " at " + t.path() + " (CUDA_HOME=" + b.cudaHome() + ", " + b.chosenBy() + ")", t.source());
  }

  private static Evidence torchEvidence(Facts.Env e) {
    return new Evidence("torch", e.torch().get().version() + " (CUDA " + e.torchCuda().get() + ")", Source.file(e.torch().get().location() + "/torch/version.py"));
  }

  static List<Finding> wrongNvcc(Facts f) {
    List<Finding> out = new ArrayList<>();
    if (f.extensionToolkit.isEmpty()) {
      return out;
    }
    Facts.Toolkit ext = f.extensionToolkit.get();
    for (Facts.Env e : f.envs) {
      if (e.torchCuda().isEmpty()) {
        continue;
      }
      String t = e.torchCuda().get();
      Optional<Facts.Toolkit> best = best(f, t);
      if (best.isEmpty() || best.get() == ext || fit(best.get().release(), t) <= fit(ext.release(), t)) {
        continue;
      }
      out.add(new Finding(Codes.WRONG_NVCC_ON_PATH, Severity.WARNING,
          "Extension builds would use nvcc " + ext.release() + ", but the installed CUDA " + best.get().release() + " matches torch's CUDA " + t,
          "torch " + e.torch().get().version() + " was built with CUDA " + t + ". Shells and extension builds (torch cpp_extension, DeepSpeed ops, Apex, flash-attn) take nvcc from "
              + f.extensionBuild.get().chosenBy() + ": " + ext.path() + " (CUDA " + ext.release() + "). The toolkit at " + best.get().path() + " (CUDA " + best.get().release()
              + ") is installed and fits torch " + (fit(best.get().release(), t) == 3 ? "exactly" : "by major") + ". Put it first.",
          e.prefix(), List.of(extEvidence(f, ext), torchEvidence(e), new Evidence("better toolkit", best.get().version() + " at " + best.get().path(), best.get().source())),
          Fixes.toolkitFirst(f, best.get(), "make CUDA " + best.get().release() + " the toolkit shells and extension builds use")));
    }
    return DriverChecks.dedupe(out);
  }

  static List<Finding> nvccMissing(Facts f) {
    List<Finding> out = new ArrayList<>();
    if (f.extensionToolkit.isPresent()) {
      return out;
    }
    for (Facts.Env e : f.envs) {
      List<String> builders = Facts.builders(e);
      if (builders.isEmpty()) {
        continue;
      }
      String why = f.extensionBuild.map(b -> b.note().isEmpty() ? "CUDA_HOME=" + b.cudaHome() + " is not a usable toolkit" : b.note())
          .orElse(f.s.toolkits().extensionBuild().reason());
      List<Fix> fixes = new ArrayList<>();
      Optional<Facts.Toolkit> best = e.torchCuda().flatMap(t -> best(f, t));
      if (best.isPresent()) {
        fixes.addAll(Fixes.toolkitFirst(f, best.get(), "use the installed CUDA " + best.get().release()));
      } else if (e.torchCuda().isPresent()) {
        fixes.add(new Fix.Install("conda", List.of("cuda-toolkit=" + e.torchCuda().get()), "nvidia", "install a CUDA " + e.torchCuda().get() + " toolkit (nvcc and headers) into the environment, then set CUDA_HOME to it"));
      }
      out.add(new Finding(Codes.NVCC_MISSING, Severity.WARNING,
          String.join(", ", builders) + " compile CUDA code, but no usable nvcc / CUDA_HOME",
          String.join(", ", builders) + " in " + e.prefix() + " build CUDA extensions with nvcc (DeepSpeed at first use of an op, the others when installed or rebuilt). " + why
              + ". Such builds fail with 'CUDA_HOME does not exist, unable to compile CUDA op(s)' or 'nvcc was not found'.",
          e.prefix(), List.of(Evidence.of("extension build", f.s.toolkits().extensionBuild())), fixes));
    }
    return out;
  }

  static List<Finding> majorMismatch(Facts f) {
    List<Finding> out = new ArrayList<>();
    if (f.extensionToolkit.isEmpty()) {
      return out;
    }
    Facts.Toolkit ext = f.extensionToolkit.get();
    for (Facts.Env e : f.envs) {
      if (e.torchCuda().isEmpty() || Facts.major(ext.release()) == Facts.major(e.torchCuda().get())) {
        continue;
      }
      String t = e.torchCuda().get();
      List<String> builders = Facts.builders(e);
      Optional<Facts.Toolkit> best = best(f, t).filter(b -> Facts.major(b.release()) == Facts.major(t));
      List<Fix> fixes = best.map(b -> Fixes.toolkitFirst(f, b, "use the installed CUDA " + b.release() + ", the same major as torch")).orElse(
          List.of(new Fix.Install("conda", List.of("cuda-toolkit=" + t), "nvidia", "install a CUDA " + t + " toolkit, then put it first (PATH, CUDA_HOME)")));
      out.add(new Finding(Codes.NVCC_TORCH_MAJOR_MISMATCH, builders.isEmpty() ? Severity.WARNING : Severity.ERROR,
          "nvcc " + ext.release() + " and torch's CUDA " + t + " differ in major version",
          "Extension builds would compile with nvcc " + ext.release() + " (" + ext.path() + ") against torch " + e.torch().get().version() + ", built with CUDA " + t
              + ". torch.utils.cpp_extension refuses a major mismatch ('The detected CUDA version (" + ext.release() + ") mismatches the version that was used to compile PyTorch (" + t + ")'), and so does DeepSpeed's op builder. "
              + (builders.isEmpty() ? "Nothing installed here builds CUDA code yet, but any extension build will fail." : "Installed here and affected: " + String.join(", ", builders) + "."),
          e.prefix(), List.of(extEvidence(f, ext), torchEvidence(e)), fixes));
    }
    return out;
  }

  static List<Finding> minorMismatch(Facts f) throws KbException {
    List<Finding> out = new ArrayList<>();
    if (f.extensionToolkit.isEmpty()) {
      return out;
    }
    Facts.Toolkit ext = f.extensionToolkit.get();
    for (Facts.Env e : f.envs) {
      if (e.torchCuda().isEmpty()) {
        continue;
      }
      String t = Facts.majorMinor(e.torchCuda().get());
      String n = ext.release();
      if (Facts.major(n) != Facts.major(t) || n.equals(t)) {
        continue;
      }
      List<String> tools = new ArrayList<>();
      List<Fix> fixes = new ArrayList<>();
      tools.add("torch.utils.cpp_extension: builds, with the warning 'The detected CUDA version (" + n + ") has a minor version mismatch with the version that was used to compile PyTorch (" + t + ")'");
      Optional<Distribution> ds = e.dist("deepspeed");
      boolean refuses = false;
      if (ds.isPresent()) {
        Optional<Gates.DeepSpeedAllowList> allow = f.kb.deepspeed(ds.get().version());
        if (allow.isPresent() && allow.get().accepts(n, t)) {
          tools.add("DeepSpeed " + ds.get().version() + ": accepts it (both are in its CUDA " + Facts.major(t) + " allow-list)");
        } else if (allow.isPresent()) {
          refuses = true;
          String fixedIn = firstAccepting(f, n, t);
          tools.add("DeepSpeed " + ds.get().version() + ": refuses to build ops ('Installed CUDA version " + n + " does not match the version torch was compiled with " + t
              + "') unless DS_SKIP_CUDA_CHECK=1" + (fixedIn == null ? "; no DeepSpeed release accepts this pair" : "; DeepSpeed " + fixedIn + " and later accept this pair"));
          if (fixedIn != null) {
            fixes.add(new Fix.Install("pip", List.of("deepspeed>=" + fixedIn), null, "a DeepSpeed whose allow-list accepts nvcc " + n + " with torch " + t));
          }
          fixes.add(new Fix.SetEnv("DS_SKIP_CUDA_CHECK", "1", "or let DeepSpeed build with this pair (the APIs are compatible within CUDA " + Facts.major(t) + ")"));
        }
      }
      boolean apex = e.dist("apex").isPresent();
      tools.add("Apex: " + (apex ? "installed; a rebuild with --cuda_ext would fail" : "would refuse to build") + " (it requires the exact same major.minor)");
      Optional<Facts.Toolkit> exact = f.toolkits.stream().filter(x -> x.hasNvcc() && x.release().equals(t)).findFirst();
      exact.ifPresent(x -> fixes.addAll(0, Fixes.toolkitFirst(f, x, "use the installed CUDA " + t + ", exactly torch's")));
      out.add(new Finding(Codes.NVCC_TORCH_MINOR_MISMATCH, Severity.WARNING,
          "nvcc " + n + " and torch's CUDA " + t + " differ in minor version" + (refuses ? ": DeepSpeed will refuse" : ""),
          "Extension builds would compile with nvcc " + n + " (" + ext.path() + ") for torch " + e.torch().get().version() + " (CUDA " + t + "). Within one major this usually works; per tool: "
              + String.join("; ", tools) + ".",
          e.prefix(), List.of(extEvidence(f, ext), torchEvidence(e)), fixes));
    }
    return out;
  }

  private static String firstAccepting(Facts f, String nvcc, String torch) throws KbException {
    for (Gates.DeepSpeedAllowList a : f.kb.deepspeedAllowLists()) {
      if (a.accepts(nvcc, torch)) {
        String v = a.versions().split(",")[0].replace(">=", "").replace("<", "").strip();
        return v.isEmpty() ? null : v;
      }
    }
    return null;
  }

  static List<Finding> hostCompiler(Facts f) throws KbException {
    List<Finding> out = new ArrayList<>();
    Optional<Facts.Toolkit> tk = f.extensionToolkit.or(() -> f.shellToolkit);
    if (tk.isEmpty() || f.hostCompiler.isEmpty()) {
      return out;
    }
    HostCompilerInfo.Compiler c = f.hostCompiler.get();
    Optional<String> version = c.version().get();
    Optional<KnowledgeBase.CompilerLimit> limit = f.kb.hostCompiler(tk.get().release());
    if (version.isEmpty() || limit.isEmpty()) {
      return out;
    }
    boolean clang = c.family().contains("clang");
    Integer max = clang ? limit.get().row().clangMax() : limit.get().row().gccMax();
    int major = Facts.major(version.get());
    if (max == null || major <= max) {
      return out;
    }
    boolean builders = f.envs.stream().anyMatch(e -> !Facts.builders(e).isEmpty());
    String fam = clang ? "clang" : "gcc";
    List<Fix> fixes = new ArrayList<>();
    fixes.add(new Fix.RunCommand(List.of("sudo", "apt-get", "install", clang ? "clang-" + max : "g++-" + max),
        "install " + fam + " " + max + " (or older) beside the current one"));
    fixes.add(new Fix.SetEnv("CC", clang ? "clang-" + max : "gcc-" + max, "torch extension builds pass $CC to nvcc as -ccbin"));
    fixes.add(new Fix.SetEnv("CXX", clang ? "clang++-" + max : "g++-" + max, "and the C++ compiler to match"));
    out.add(new Finding(Codes.HOST_COMPILER_TOO_NEW, builders ? Severity.ERROR : Severity.WARNING,
        fam + " " + major + " is newer than nvcc " + tk.get().release() + " accepts (" + fam + " ≤ " + max + ")",
        "nvcc " + tk.get().release() + " (" + tk.get().path() + ") compiles host code with " + c.path() + " (" + fam + " " + version.get() + ", chosen by " + c.chosenBy() + "). Its host_config.h stops every build with '#error -- unsupported "
            + (clang ? "clang version" : "GNU version! gcc versions later than " + max + " are not supported!") + "' (" + limit.get().explanation() + "). -allow-unsupported-compiler skips the check at your own risk."
            + (builders ? " DeepSpeed/Apex/flash-attn builds here will fail." : ""),
        tk.get().path(), List.of(Evidence.of("host compiler", c.version()), new Evidence("nvcc", tk.get().version(), tk.get().source()),
            Evidence.kb("newest " + fam + " for CUDA " + tk.get().release(), String.valueOf(max), limit.get().row().source())),
        fixes));
    return out;
  }

  static List<Finding> gpuArch(Facts f) throws KbException {
    List<Finding> out = new ArrayList<>();
    Optional<Facts.Toolkit> tk = f.extensionToolkit.or(() -> f.shellToolkit);
    if (tk.isEmpty()) {
      return out;
    }
    for (Facts.Gpu g : f.gpus) {
      if (g.cc() == null) {
        continue;
      }
      KnowledgeBase.ArchVerdict v = f.kb.archVerdict(tk.get().release(), g.cc());
      String code = switch (v.outcome()) {
        case TOO_NEW, LOWER_MINOR_ONLY -> Codes.GPU_ARCH_TOO_NEW_FOR_TOOLKIT;
        case TOO_OLD -> Codes.GPU_ARCH_TOO_OLD_FOR_TOOLKIT;
        default -> null;
      };
      if (code == null) {
        continue;
      }
      boolean tooNew = code.equals(Codes.GPU_ARCH_TOO_NEW_FOR_TOOLKIT);
      Facts.Toolkit better = null;
      for (Facts.Toolkit t : f.toolkits) {
        if (t.hasNvcc() && f.kb.archVerdict(t.release(), g.cc()).outcome() == KnowledgeBase.ArchOutcome.SUPPORTED
            && (better == null || (tooNew ? Facts.compare(t.release(), better.release()) < 0 : Facts.compare(t.release(), better.release()) > 0))) {
          better = t;
        }
      }
      List<Fix> fixes = better == null ? List.of() : Fixes.toolkitFirst(f, better, "CUDA " + better.release() + " compiles for sm_" + g.cc());
      out.add(new Finding(code, Severity.WARNING,
          "nvcc " + tk.get().release() + " cannot compile for " + g.label(),
          v.explanation() + ". Extension builds that target this GPU (TORCH_CUDA_ARCH_LIST defaults to the GPUs present) fail with \"nvcc fatal : Unsupported gpu architecture 'compute_"
              + g.cc() + "'\"" + (tooNew ? "" : " — this toolkit no longer supports the architecture") + ".",
          g.label(), List.of(new Evidence("nvcc", tk.get().version(), tk.get().source()), new Evidence("compute capability", ArchList.dotted(g.cc()), Source.derived(g.ccFrom()))),
          fixes));
    }
    return out;
  }
}
