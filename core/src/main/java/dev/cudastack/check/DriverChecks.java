package dev.cudastack.check;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.Torch;
import dev.cudastack.model.DriverInfo;
import dev.cudastack.model.PythonInfo.CudaWheel;
import dev.cudastack.model.PythonInfo.Framework;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The driver layer: present, consistent, new enough for what runs on it, and compat libraries. */
final class DriverChecks {
  private DriverChecks() {}

  /**
   * A driver is loaded when the kernel module answers (/proc, /sys) or NVML/nvidia-smi does (WSL2
   * has no module files); user-space libraries alone (a container image, a driver package whose
   * module is not loaded) are not a driver.
   */
  static List<Finding> noDriver(Facts f) {
    if (f.s.driver().kernelModule().isFound() || f.s.driver().reportedDriverVersion().isFound()) {
      return List.of();
    }
    boolean needed = !f.gpus.isEmpty() || f.anyCudaFramework();
    String why = !f.gpus.isEmpty() ? f.gpus.size() + " NVIDIA GPU(s) are present" : f.anyCudaFramework() ? "a CUDA build of torch or bitsandbytes is installed" : null;
    String expl = "No NVIDIA kernel driver is loaded (" + f.s.driver().kernelModule().reason() + "). "
        + (needed ? "Because " + why + ", every CUDA call will fail with 'no CUDA-capable device is detected' or 'Found no NVIDIA driver'."
            : "Nothing here needs one: CUDA code can be compiled, not run.");
    List<Fix> fixes = needed ? List.of(new Fix.RunCommand(List.of("nvidia-smi"), "install the NVIDIA driver for this GPU (e.g. the distribution's nvidia-driver package), reboot, and check that nvidia-smi lists the GPUs")) : List.of();
    return List.of(new Finding(Codes.NO_NVIDIA_DRIVER, needed ? Severity.ERROR : Severity.INFO,
        "No NVIDIA driver" + (needed ? " although the CUDA stack needs one" : ""), expl, "driver",
        List.of(Evidence.of("kernel module", f.s.driver().kernelModule()), Evidence.of("libcuda", f.s.driver().libcudaVersion())), fixes));
  }

  static List<Finding> libraryMismatch(Facts f) {
    DriverInfo d = f.s.driver();
    Optional<String> kernel = d.kernelModule().get();
    List<Finding> out = new ArrayList<>();
    String nvmlError = d.nvmlInit().isFound() ? "" : d.nvmlInit().reason();
    for (var user : List.of(d.libcudaVersion(), d.nvmlLibraryVersion())) {
      if (kernel.isPresent() && user.isFound() && !user.get().get().equals(kernel.get())) {
        out.add(new Finding(Codes.DRIVER_LIBRARY_MISMATCH, Severity.ERROR,
            "Kernel driver " + kernel.get() + " but user-space driver libraries " + user.get().get(),
            "The loaded kernel module is " + kernel.get() + " while the user-space library (" + user.source().describe() + ") is " + user.get().get()
                + ". NVML fails with 'Driver/library version mismatch' and CUDA with 'system has unsupported display driver / cuda driver combination'. "
                + "This happens after a driver upgrade without a reboot, or when two driver versions are installed.",
            "driver", List.of(Evidence.of("kernel module", d.kernelModule()), Evidence.of("user-space library", user)),
            List.of(new Fix.RunCommand(List.of("sudo", "reboot"), "reboot so the kernel loads the module matching the installed libraries (or reinstall one driver version)"))));
        break;
      }
    }
    if (out.isEmpty() && nvmlError.contains("ibrary version mismatch")) {
      out.add(new Finding(Codes.DRIVER_LIBRARY_MISMATCH, Severity.ERROR, "NVML reports a driver/library version mismatch",
          "NVML said: " + nvmlError + ". The kernel module and the user-space libraries come from different driver versions.", "driver",
          List.of(Evidence.of("NVML", d.nvmlInit())), List.of(new Fix.RunCommand(List.of("sudo", "reboot"), "reboot, or reinstall a single driver version"))));
    }
    return out;
  }

  /** The CUDA runtimes in use: torch's build, the pip CUDA runtime wheels, triton's bundled ptxas is handled separately. */
  static List<Finding> driverTooOld(Facts f) throws KbException {
    if (f.driverVersion.isEmpty()) {
      return List.of();
    }
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      List<String[]> runtimes = new ArrayList<>();
      e.torchCuda().ifPresent(c -> runtimes.add(new String[] {c, "torch " + e.torch().get().version() + " (built with CUDA " + c + ")"}));
      for (CudaWheel w : e.env().cudaWheels()) {
        if (w.name().startsWith("nvidia-cuda-runtime") && w.version() != null) {
          runtimes.add(new String[] {Facts.majorMinor(w.version()), w.name() + " " + w.version()});
        }
      }
      for (String[] r : runtimes) {
        Verdict v = verdict(f, r[0]);
        if (v.outcome == KnowledgeBase.Outcome.TOO_OLD) {
          out.add(new Finding(Codes.DRIVER_TOO_OLD, Severity.ERROR, r[1] + " needs a newer driver than " + f.driverVersion.get(),
              r[1] + " needs a driver that supports CUDA " + r[0] + ". Driver " + f.driverVersion.get() + " supports up to CUDA "
                  + f.driverMaxCuda.orElse("?") + ", and " + v.explanation + ". CUDA calls fail with 'CUDA driver version is insufficient for CUDA runtime version' (error 35).",
              e.prefix(), List.of(Evidence.of("driver", f.driverVersion.get(), f.driverSource), f.driverMaxEvidence, new Evidence(r[1], r[0], Source.derived("installed files"))),
              List.of(new Fix.RunCommand(List.of("nvidia-smi"), "install a driver of branch " + minBranchFor(f, r[0]) + " or newer, or install a build for CUDA " + f.driverMaxCuda.orElse("?") + " or older (see the proposed stack)"))));
        }
      }
    }
    return dedupe(out);
  }

  record Verdict(KnowledgeBase.Outcome outcome, String explanation) {}

  /** NATIVE when the driver's reported (or known) highest CUDA covers it; else the KB's minor-version rule. */
  static Verdict verdict(Facts f, String cuda) throws KbException {
    String key = "verdict:" + cuda;
    Verdict known = f.recall(key);
    if (known != null) {
      return known;
    }
    Verdict v = computeVerdict(f, cuda);
    f.remember(key, v);
    return v;
  }

  private static Verdict computeVerdict(Facts f, String cuda) throws KbException {
    if (f.driverMaxCuda.isPresent() && Facts.compare(Facts.majorMinor(cuda), f.driverMaxCuda.get()) <= 0) {
      return new Verdict(KnowledgeBase.Outcome.NATIVE, "driver supports CUDA " + f.driverMaxCuda.get());
    }
    if (f.driverNewerThanKnown) {
      return new Verdict(KnowledgeBase.Outcome.NATIVE, "the driver is newer than any branch the knowledge base knows; assumed to run it");
    }
    KnowledgeBase.RuntimeVerdict v = f.kb.runtimeOnDriver(cuda, f.driverVersion.orElse("0"));
    return new Verdict(v.outcome(), v.explanation());
  }

  private static String minBranchFor(Facts f, String cuda) throws KbException {
    for (KnowledgeBase.DriverBranch b : f.kb.driverBranches()) {
      if (Facts.compare(b.maxCuda(), Facts.majorMinor(cuda)) >= 0) {
        return b.id();
      }
    }
    return "newer than " + f.kb.driverBranches().getLast().id();
  }

  static List<Finding> toolkitNewerThanDriver(Facts f) throws KbException {
    if (f.driverVersion.isEmpty() || f.driverMaxCuda.isEmpty()) {
      return List.of();
    }
    List<Finding> out = new ArrayList<>();
    List<Facts.Toolkit> active = new ArrayList<>();
    f.shellToolkit.ifPresent(active::add);
    f.extensionToolkit.filter(t -> !active.contains(t)).ifPresent(active::add);
    for (Facts.Toolkit t : active) {
      if (Facts.compare(t.release(), f.driverMaxCuda.get()) <= 0) {
        continue;
      }
      Verdict v = verdict(f, t.release());
      boolean mvc = v.outcome == KnowledgeBase.Outcome.MINOR_COMPAT;
      out.add(new Finding(Codes.TOOLKIT_NEWER_THAN_DRIVER, mvc ? Severity.WARNING : Severity.ERROR,
          "nvcc " + t.release() + " is newer than the driver's CUDA " + f.driverMaxCuda.get(),
          "The toolkit at " + t.path() + " (nvcc " + t.version() + ") is newer than what driver " + f.driverVersion.get() + " supports (CUDA " + f.driverMaxCuda.get() + "). "
              + (mvc ? "Programs it builds run by minor-version compatibility only if compiled to SASS for the GPU (-arch=sm_XX); PTX it emits cannot be JIT-compiled by this driver ('the provided PTX was compiled with an unsupported toolchain', error 222)."
                  : "Programs it builds will not run on this driver at all (" + v.explanation + ")."),
          t.path(), List.of(new Evidence("nvcc", t.version(), t.source()), f.driverMaxEvidence),
          alternatives(f, t)));
    }
    return out;
  }

  /** Put an installed toolkit the driver supports first, if there is one. */
  private static List<Fix> alternatives(Facts f, Facts.Toolkit bad) {
    Facts.Toolkit best = null;
    for (Facts.Toolkit t : f.toolkits) {
      if (t.hasNvcc() && Facts.compare(t.release(), f.driverMaxCuda.get()) <= 0 && (best == null || Facts.compare(t.release(), best.release()) > 0)) {
        best = t;
      }
    }
    if (best == null) {
      return List.of(new Fix.RunCommand(List.of("nvidia-smi"), "upgrade the driver to one that supports CUDA " + bad.release()));
    }
    return Fixes.toolkitFirst(f, best, "use the installed CUDA " + best.release() + ", which this driver supports");
  }

  static List<Finding> ptxJit(Facts f) throws KbException {
    if (f.driverVersion.isEmpty() || f.driverMaxCuda.isEmpty() || f.driverNewerThanKnown) {
      return List.of();
    }
    List<Finding> out = new ArrayList<>();
    for (Facts.Env e : f.envs) {
      if (e.torchCuda().isPresent() && Facts.compare(e.torchCuda().get(), f.driverMaxCuda.get()) > 0) {
        Optional<ArchList> archs = TorchChecks.archs(e);
        for (Facts.Gpu g : f.gpus) {
          if (g.cc() != null && archs.isPresent() && archs.get().fit(g.cc()) == ArchList.Fit.PTX_JIT) {
            out.add(new Finding(Codes.PTX_JIT_UNSUPPORTED, Severity.ERROR,
                "torch " + e.torch().get().version() + " has only PTX for " + g.label() + ", newer than the driver can JIT",
                "torch ships no SASS for compute capability " + ArchList.dotted(g.cc()) + ", only PTX (" + archs.get().names() + "), which the driver must JIT-compile. That PTX comes from CUDA "
                    + e.torchCuda().get() + ", newer than driver " + f.driverVersion.get() + " (CUDA " + f.driverMaxCuda.get() + "), so kernels fail with 'the provided PTX was compiled with an unsupported toolchain' (error 222).",
                e.prefix(), List.of(new Evidence("torch archs", archs.get().names(), Source.derived(TorchChecks.archSource(e))), f.driverMaxEvidence),
                List.of(new Fix.RunCommand(List.of("nvidia-smi"), "upgrade the driver to one that supports CUDA " + e.torchCuda().get() + ", or use the proposed torch build"))));
          }
        }
      }
      Optional<Framework> triton = e.framework("triton");
      if (triton.isPresent() && triton.get().bundledPtxas().isFound()) {
        String ptxas = Facts.majorMinor(triton.get().bundledPtxas().get().get());
        if (Facts.compare(ptxas, f.driverMaxCuda.get()) > 0) {
          out.add(new Finding(Codes.PTX_JIT_UNSUPPORTED, Severity.WARNING,
              "Triton " + triton.get().version() + " bundles ptxas " + ptxas + ", newer than the driver's CUDA " + f.driverMaxCuda.get(),
              "Triton compiles kernels (torch.compile, many fused kernels) with its own ptxas from CUDA " + ptxas + ". Driver " + f.driverVersion.get() + " supports CUDA "
                  + f.driverMaxCuda.get() + ", so code built for PTX ISA of CUDA " + ptxas + " may fail to load ('the provided PTX was compiled with an unsupported toolchain'). Eager PyTorch is unaffected.",
              e.prefix(), List.of(Evidence.of("triton's ptxas", triton.get().bundledPtxas()), f.driverMaxEvidence),
              List.of(new Fix.SetEnv("TRITON_PTXAS_PATH", f.extensionToolkit.filter(t -> Facts.compare(t.release(), f.driverMaxCuda.get()) <= 0).map(t -> t.path() + "/bin/ptxas").orElse("/usr/local/cuda/bin/ptxas"),
                  "make Triton use a ptxas the driver supports (from a toolkit no newer than CUDA " + f.driverMaxCuda.get() + "), or upgrade the driver"))));
        }
      }
    }
    return out;
  }

  static List<Finding> forwardCompat(Facts f) throws KbException {
    List<Finding> out = new ArrayList<>();
    List<String> ld = List.of(f.env.getOrDefault("LD_LIBRARY_PATH", "").split(":"));
    for (DriverInfo.CompatLibrary c : f.s.driver().compatLibraries()) {
      String dir = c.path().lastIndexOf('/') > 0 ? c.path().substring(0, c.path().lastIndexOf('/')) : "/";
      // The probe names the compat directory by its real path; LD_LIBRARY_PATH may name it through
      // the /usr/local/cuda link: compare the toolkit-relative tail as well.
      boolean onPath = ld.stream().anyMatch(d -> sameDir(d, dir) || sameDir(d, "/usr/local/cuda/compat") && dir.startsWith("/usr/local/cuda") && dir.endsWith("/compat"));
      if (!onPath) {
        continue;
      }
      KnowledgeBase.ForwardCompatFact seg = f.kb.forwardCompat().stream().filter(x -> x.id().equals("segments")).findFirst().orElse(null);
      List<String> unsupported = f.gpus.stream().filter(g -> seg != null && !seg.segments().contains(g.segment()) && !g.segment().equals("unknown")).map(Facts.Gpu::label).toList();
      if (!unsupported.isEmpty()) {
        out.add(new Finding(Codes.FORWARD_COMPAT_UNSUPPORTED, Severity.ERROR, "A cuda-compat libcuda is on LD_LIBRARY_PATH but these GPUs cannot use it",
            "LD_LIBRARY_PATH puts " + c.path() + " (forward compatibility, libcuda " + c.version() + ") before the driver's own libcuda. Forward compatibility works only on data-center GPUs and Jetson; on "
                + String.join(", ", unsupported) + " every CUDA call fails with CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE (804).",
            c.path(), List.of(new Evidence("compat libcuda", c.version(), c.source()), new Evidence("LD_LIBRARY_PATH", f.env.getOrDefault("LD_LIBRARY_PATH", ""), Source.env("LD_LIBRARY_PATH"))),
            List.of(new Fix.SetEnv("LD_LIBRARY_PATH", without(ld, dir), "take " + dir + " off the loader path"))));
      } else if (f.driverVersion.isPresent() && Facts.compare(c.version(), f.driverVersion.get()) < 0) {
        out.add(new Finding(Codes.FORWARD_COMPAT_UNSUPPORTED, Severity.ERROR, "The cuda-compat libcuda " + c.version() + " is older than the kernel driver " + f.driverVersion.get(),
            "LD_LIBRARY_PATH puts " + c.path() + " first. A forward-compatibility libcuda must be newer than the kernel driver; this one is older, so kernel launches fail with 'system has unsupported display driver / cuda driver combination' (803).",
            c.path(), List.of(new Evidence("compat libcuda", c.version(), c.source()), Evidence.of("driver", f.driverVersion.get(), f.driverSource)),
            List.of(new Fix.SetEnv("LD_LIBRARY_PATH", without(ld, dir), "take " + dir + " off the loader path: the installed driver already supports more"))));
      }
    }
    return out;
  }

  private static String without(List<String> ld, String dir) {
    return String.join(":", ld.stream().filter(d -> !d.isBlank() && !sameDir(d, dir) && !(sameDir(d, "/usr/local/cuda/compat") && dir.endsWith("/compat"))).toList());
  }

  /** The same directory as written in a path list: trailing slashes and "//" do not matter. */
  static boolean sameDir(String a, String b) {
    return norm(a).equals(norm(b));
  }

  private static String norm(String d) {
    String n = d.strip().replaceAll("/+", "/");
    return n.length() > 1 && n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
  }

  static List<Finding> dedupe(List<Finding> in) {
    List<Finding> out = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Finding x : in) {
      if (seen.add(x.code() + "|" + x.subject() + "|" + x.title())) {
        out.add(x);
      }
    }
    return out;
  }

  static String variantLabel(Torch.Match m) {
    return m.variant().map(Torch.Variant::cuda).orElse("?");
  }
}
