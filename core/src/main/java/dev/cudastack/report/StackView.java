package dev.cudastack.report;

import dev.cudastack.model.DriverInfo;
import dev.cudastack.model.GpuInfo;
import dev.cudastack.model.HostCompilerInfo;
import dev.cudastack.model.LibraryInfo;
import dev.cudastack.model.Observation;
import dev.cudastack.model.OsInfo;
import dev.cudastack.model.ProbeRun;
import dev.cudastack.model.Snapshot;
import dev.cudastack.model.Source;
import dev.cudastack.model.ToolkitInfo;
import dev.cudastack.model.VersionOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The snapshot as the reports show it: layers (system, GPU & driver, toolkits, libraries, host
 * compiler) of items, each with a mark, a line of text, and the details that {@code -v} adds
 * (sources). Shared by the text and Markdown renderers so that they always say the same thing.
 */
public final class StackView {
  /** ok: seen and fine; info: neutral fact; warn: missing or doubtful; bad: failed or timed out. */
  public enum Mark {
    OK,
    INFO,
    WARN,
    BAD
  }

  public record Item(Mark mark, String text, List<String> details) {
    public Item {
      details = List.copyOf(details);
    }
  }

  public record Layer(String title, List<Item> items) {
    public Layer {
      items = List.copyOf(items);
    }
  }

  private StackView() {}

  public static List<Layer> layers(Snapshot s) {
    return List.of(system(s), gpuAndDriver(s), toolkits(s.toolkits()), libraries(s.libraries()), hostCompiler(s.hostCompiler()), PythonView.layer(s.python()));
  }

  private static Layer system(Snapshot s) {
    OsInfo os = s.os();
    List<Item> items = new ArrayList<>();
    String distro = os.distro().get().map(OsInfo.Distro::prettyName).orElse("unknown distribution");
    items.add(item(os.distro().isFound() ? Mark.OK : Mark.WARN,
        distro + " · kernel " + or(os.kernel(), "?") + " · glibc " + or(os.glibc(), "?") + " · " + or(os.architecture(), "?"),
        sources(os.distro(), os.kernel(), os.glibc(), os.architecture())));
    if (os.wsl2().orElse(false)) {
      items.add(item(Mark.INFO, "WSL2: the GPU driver is the Windows host's; its libraries come from /usr/lib/wsl/lib", sources(os.wsl2())));
    }
    var c = os.container();
    if (c.runtime().isFound() || !c.nvidiaVariables().isEmpty()) {
      StringBuilder t = new StringBuilder("container: " + c.runtime().orElse("not detected"));
      c.requireCuda().get().ifPresent(r -> t.append(" · NVIDIA_REQUIRE_CUDA: cuda>=").append(r.minimumCuda() == null ? "?" : r.minimumCuda())
          .append(r.alternatives().isEmpty() ? "" : " (or one of " + r.alternatives().size() + " driver-branch alternatives)"));
      List<String> d = new ArrayList<>(sources(c.runtime(), c.requireCuda()));
      c.nvidiaVariables().forEach((k, v) -> d.add(k + "=" + (v.length() > 100 ? v.substring(0, 100) + "…" : v)));
      items.add(item(Mark.INFO, t.toString(), d));
    }
    return new Layer("System", items);
  }

  private static Layer gpuAndDriver(Snapshot s) {
    DriverInfo d = s.driver();
    List<Item> items = new ArrayList<>();
    Observation<String> version = d.version();
    if (version.isFound()) {
      String desc = d.kernelModuleDescription().get().map(x -> x.contains("Open") ? " (open kernel module)" : "").orElse("");
      String cuda = d.highestCuda().isFound() ? " — highest CUDA " + d.highestCuda().orElse("") : " — highest CUDA unknown (" + d.highestCuda().summary() + ")";
      items.add(item(Mark.OK, "NVIDIA driver " + version.orElse("") + desc + cuda,
          sources(d.kernelModule(), d.kernelModuleDescription(), d.libcudaVersion(), d.nvmlLibraryVersion(), d.nvmlInit(), d.reportedDriverVersion(), d.cudaFromDriverApi(), d.cudaFromNvml())));
    } else {
      items.add(item(Mark.BAD, "no NVIDIA driver: " + reason(d.kernelModule()), sources(d.kernelModule(), d.libcudaVersion(), d.nvmlInit())));
    }
    String kmod = d.kernelModule().orElse(null);
    String lib = d.libcudaVersion().orElse(null);
    if (kmod != null && lib != null && !kmod.equals(lib)) {
      items.add(item(Mark.BAD, "kernel module " + kmod + " but user-space libcuda " + lib + ": versions differ", sources(d.kernelModule(), d.libcudaVersion())));
    }
    if (d.nvmlInit() instanceof Observation.Failed<String> f) {
      items.add(item(Mark.BAD, "NVML: " + f.error(), sources(d.nvmlInit())));
    } else if (d.nvmlInit() instanceof Observation.TimedOut<String> t) {
      items.add(item(Mark.BAD, "NVML did not answer within " + t.afterMillis() + " ms (a wedged driver?)", sources(d.nvmlInit())));
    }
    GpuInfo g = s.gpus();
    for (GpuInfo.Gpu gpu : g.devices()) {
      StringBuilder t = new StringBuilder("GPU " + gpu.index() + "  " + gpu.name().orElse("unknown model"));
      t.append(gpu.computeCapability().isFound() ? " · compute capability " + gpu.computeCapability().orElse("") : " · compute capability unknown");
      gpu.memoryMiB().get().ifPresent(mem -> t.append(" · ").append(mem).append(" MiB"));
      gpu.migMode().get().ifPresent(mig -> t.append(" · MIG ").append(mig));
      List<String> det = new ArrayList<>(sources(gpu.name(), gpu.computeCapability(), gpu.memoryMiB()));
      gpu.uuid().get().ifPresent(u -> det.add("UUID " + u));
      gpu.busId().get().ifPresent(b -> det.add("bus " + b));
      items.add(item(Mark.OK, t.toString(), det));
    }
    if (g.devices().isEmpty()) {
      items.add(item(version.isFound() ? Mark.BAD : Mark.INFO, "no GPU listed: " + reason(g.enumeration()), sources(g.enumeration())));
    }
    String driverVersion = version.orElse(null);
    for (DriverInfo.CompatLibrary c : d.compatLibraries()) {
      String rel = driverVersion == null ? "" : VersionOrder.compare(c.version(), driverVersion) <= 0
          ? " — not newer than the driver (" + driverVersion + "), so unused"
          : " — newer than the driver (" + driverVersion + "): forward compatibility, datacenter GPUs only";
      items.add(item(Mark.INFO, "forward-compat libcuda " + c.version() + " in " + parent(c.path()) + rel, List.of(c.source().describe())));
    }
    return new Layer("GPU & driver", items);
  }

  private static Layer toolkits(ToolkitInfo t) {
    List<Item> items = new ArrayList<>();
    String shell = t.shell().get().map(ToolkitInfo.NvccOnPath::toolkit).orElse(null);
    String ext = t.extensionBuild().get().map(ToolkitInfo.ExtensionBuild::toolkit).orElse(null);
    for (ToolkitInfo.ToolkitInstall i : t.installs()) {
      StringBuilder line = new StringBuilder(i.version().orElse("?") + " at " + i.path());
      if (i.nvccVersion().isFound()) {
        line.append(" (nvcc ").append(i.nvccVersion().orElse("")).append(')');
      } else if (!i.hasNvcc()) {
        line.append(" (no nvcc)");
      }
      List<String> roles = new ArrayList<>();
      if (i.path().equals(shell)) {
        roles.add("shell");
      }
      if (i.path().equals(ext)) {
        roles.add("extension builds");
      }
      if (!roles.isEmpty()) {
        line.append("  ← ").append(String.join(", ", roles));
      }
      List<String> det = new ArrayList<>();
      i.aliases().forEach(a -> det.add("via " + a));
      det.add("found by " + String.join(", ", i.foundBy()));
      det.addAll(sources(i.version(), i.nvccVersion()));
      items.add(item(i.version().isFound() ? Mark.OK : Mark.WARN, line.toString(), det));
    }
    if (t.installs().isEmpty()) {
      items.add(item(Mark.INFO, "no CUDA toolkit found (/usr/local/cuda*, CUDA_HOME, nvcc on PATH, conda)", List.of()));
    }
    for (ToolkitInfo.NvccOnPath n : t.nvccOnPath()) {
      String first = t.nvccOnPath().getFirst() == n ? "shell nvcc: " : "also on PATH: ";
      String chain = n.chain().isEmpty() ? "" : " → " + String.join(" → ", n.chain());
      items.add(item(n.toolkit() == null ? Mark.WARN : Mark.INFO, first + n.path() + chain + (n.toolkit() == null ? " (not inside a toolkit)" : ""), List.of()));
    }
    t.extensionBuild().get().ifPresentOrElse(
        e -> items.add(item(e.usable() ? Mark.INFO : Mark.WARN,
            "extension builds (torch cpp_extension): CUDA_HOME=" + e.cudaHome() + " from " + e.chosenBy() + (e.note().isEmpty() ? "" : " — " + e.note()),
            sources(t.extensionBuild()))),
        () -> items.add(item(Mark.INFO, "extension builds: " + reason(t.extensionBuild()), List.of())));
    return new Layer("CUDA toolkits", items);
  }

  private static Layer libraries(LibraryInfo l) {
    List<Item> items = new ArrayList<>();
    for (LibraryInfo.CudaLibrary c : l.files()) {
      String v = c.version().isFound() ? c.version().orElse("") : "version unknown";
      items.add(item(Mark.OK, pad(c.library(), 10) + " " + pad(v, 12) + " " + c.realPath(), prefix("via ", c.foundVia())));
    }
    if (l.files().isEmpty()) {
      items.add(item(Mark.INFO, "no cudart, cuBLAS, cuDNN, NCCL or nvJitLink library found", List.of()));
    }
    for (LibraryInfo.HeaderVersion h : l.cudnnHeaders()) {
      items.add(item(h.version().isFound() ? Mark.INFO : Mark.WARN, "cuDNN header " + or(h.version(), "?") + " at " + h.path(), sources(h.version())));
    }
    items.add(item(l.ldCacheEntries().isFound() ? Mark.INFO : l.ldCacheEntries() instanceof Observation.Absent<Integer> ? Mark.INFO : Mark.WARN,
        "loader cache: " + (l.ldCacheEntries().isFound() ? l.ldCacheEntries().orElse(0) + " entries" : reason(l.ldCacheEntries())), sources(l.ldCacheEntries())));
    return new Layer("CUDA libraries", items);
  }

  private static Layer hostCompiler(HostCompilerInfo h) {
    List<Item> items = new ArrayList<>();
    HostCompilerInfo.Compiler sel = h.selected().orElse(null);
    for (HostCompilerInfo.Compiler c : h.candidates()) {
      // Compared by fields: a record's equals() bootstraps generated code on first use.
      boolean chosen = sel != null && c.path().equals(sel.path()) && c.chosenBy().equals(sel.chosenBy());
      items.add(item(c.version().isFound() ? Mark.OK : Mark.WARN,
          c.family() + " " + or(c.version(), "?") + "  " + c.path() + " (" + c.chosenBy() + ")" + (chosen ? "  ← nvcc's host compiler" : ""),
          sources(c.version())));
    }
    if (h.candidates().isEmpty()) {
      items.add(item(Mark.WARN, "no host compiler: " + reason(h.selected()), List.of()));
    }
    return new Layer("Host compiler", items);
  }

  /** The notes of probes that could read only part of what they looked for. */
  public static List<String> notes(Snapshot s) {
    List<String> out = new ArrayList<>();
    for (ProbeRun r : s.probes()) {
      for (String n : r.notes()) {
        out.add(r.probe() + ": " + n);
      }
    }
    return out;
  }

  static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  static Item item(Mark m, String text, List<String> details) {
    return new Item(m, text, details);
  }

  static List<String> prefix(String p, List<String> xs) {
    return xs.stream().map(x -> p + x).toList();
  }

  private static String parent(String path) {
    int i = path.lastIndexOf('/');
    return i > 0 ? path.substring(0, i) : path;
  }

  static String or(Observation<?> o, String other) {
    return o.get().map(String::valueOf).orElse(other);
  }

  private static String reason(Observation<?> o) {
    return o.reason();
  }


  /** "from SOURCE" lines for the observations that have a source, without repeats. */
  static List<String> sources(Observation<?>... obs) {
    List<String> out = new ArrayList<>();
    for (Observation<?> o : obs) {
      if (o.source().kind() == Source.Kind.NONE) {
        continue;
      }
      String line = (o.isFound() ? "from " : o.summary() + " — ") + o.source().describe();
      if (!out.contains(line)) {
        out.add(line);
      }
    }
    return out;
  }

  static Map<Mark, String> asciiMarks() {
    return Map.of(Mark.OK, "[✓]", Mark.INFO, "[·]", Mark.WARN, "[!]", Mark.BAD, "[✗]");
  }
}
