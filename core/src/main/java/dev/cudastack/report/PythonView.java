package dev.cudastack.report;

import static dev.cudastack.report.StackView.item;
import static dev.cudastack.report.StackView.or;
import static dev.cudastack.report.StackView.prefix;
import static dev.cudastack.report.StackView.sources;

import dev.cudastack.model.Observation;
import dev.cudastack.model.PythonInfo;
import dev.cudastack.model.PythonInfo.BnbSetup;
import dev.cudastack.model.PythonInfo.PythonEnv;
import dev.cudastack.model.PythonInfo.TorchBuild;
import dev.cudastack.report.StackView.Item;
import dev.cudastack.report.StackView.Layer;
import dev.cudastack.report.StackView.Mark;
import java.util.ArrayList;
import java.util.List;

/** The "Python environments" layer: per environment, torch's build, bitsandbytes' binary, the rest. */
final class PythonView {
  private PythonView() {}

  static Layer layer(PythonInfo p) {
    List<Item> items = new ArrayList<>();
    if (p == null || p.environments().isEmpty()) {
      items.add(item(Mark.INFO, "no Python environment found (python3 on PATH, $VIRTUAL_ENV, $CONDA_PREFIX, conda envs, --python)", List.of()));
      return new Layer("Python environments", items);
    }
    for (PythonEnv e : p.environments()) {
      environment(e, items);
    }
    return new Layer("Python environments", items);
  }

  private static void environment(PythonEnv e, List<Item> items) {
    long count = e.distributions().stream().filter(d -> !d.shadowed()).count();
    items.add(item(Mark.OK, e.kind() + " " + e.prefix() + " · Python " + or(e.pythonVersion(), "?") + " · " + count + " distributions  ← "
        + String.join(", ", e.foundBy()), prefix("import path: ", e.importPath())));
    torch(e, items);
    e.bitsandbytes().get().ifPresent(b -> items.add(bnb(b)));
    if (e.bitsandbytes() instanceof Observation.Failed<BnbSetup> f) {
      items.add(item(Mark.WARN, "    bitsandbytes: " + f.error(), sources(e.bitsandbytes())));
    }
    if (!e.cudaWheels().isEmpty()) {
      List<String> names = e.cudaWheels().stream().map(w -> w.name() + " " + w.version()).toList();
      List<String> dirs = e.cudaWheels().stream().filter(w -> w.libDir() != null)
          .map(w -> w.name() + ": " + w.libDir() + " " + w.libraries()).toList();
      items.add(item(Mark.INFO, "    pip CUDA libraries: " + String.join(" · ", names), dirs));
    }
    for (PythonInfo.Framework f : e.frameworks()) {
      StringBuilder t = new StringBuilder("    " + f.name() + " " + f.version());
      if (!f.extensions().isEmpty()) {
        t.append(" · ").append(f.extensions().size()).append(" compiled extension").append(f.extensions().size() == 1 ? "" : "s");
      }
      f.bundledPtxas().get().ifPresent(v -> t.append(" · bundled ptxas ").append(v));
      List<String> det = new ArrayList<>(prefix("extension: ", f.extensions()));
      det.add("in " + f.location());
      items.add(item(Mark.INFO, t.toString(), det));
    }
    deep(e, items);
    for (PythonInfo.FrameworkBinary fb : e.binaries()) {
      items.add(binary(fb));
    }
    for (PythonInfo.Distribution d : e.distributions()) {
      if (d.shadowed()) {
        String winner = e.distributions().stream().filter(w -> !w.shadowed() && w.name().equalsIgnoreCase(d.name()))
            .map(w -> w.version() + " in " + w.location()).findFirst().orElse("?");
        items.add(item(Mark.WARN, "    " + d.name() + " is installed twice: " + winner + " is imported; " + d.version() + " in " + d.location() + " is shadowed",
            List.of("from file " + d.metadata())));
      } else if (d.editable()) {
        items.add(item(Mark.INFO, "    " + d.name() + " " + d.version() + " is an editable install", List.of("from file " + d.metadata())));
      }
    }
  }

  /** CUDA libraries whose load matters: cudart, cuBLAS(Lt), cuDNN, cuSPARSE, cuFFT, cuRAND, cuSOLVER, NCCL, nvJitLink, nvrtc, cupti. */
  static boolean cudaLibrary(String soname) {
    return soname.matches("lib(cudart|cublas|cublasLt|cudnn[a-z_]*|cusparse|cusparseLt|cufft|curand|cusolver|nccl|nvJitLink|nvrtc|cupti|cufile|nvshmem_host|cuda)\\.so.*");
  }

  private static Item binary(PythonInfo.FrameworkBinary fb) {
    dev.cudastack.model.BinaryInfo b = fb.binary();
    String file = b.path().substring(b.path().lastIndexOf('/') + 1);
    if (b.error() != null) {
      return item(Mark.INFO, "    " + fb.framework() + " " + file + ": not read (" + b.error() + ")", List.of("file " + b.path()));
    }
    List<String> det = new ArrayList<>();
    for (dev.cudastack.model.BinaryInfo.Load l : b.loads()) {
      if (cudaLibrary(l.needed())) {
        det.add("loads from: " + l.needed() + " → " + l.path() + " (" + l.how() + ")");
      }
    }
    for (dev.cudastack.model.BinaryInfo.Missing x : b.missing()) {
      det.add("not found: " + x.needed() + " (needed by " + x.by().substring(x.by().lastIndexOf('/') + 1) + ")");
    }
    for (dev.cudastack.model.BinaryInfo.Unresolved u : b.unresolved()) {
      det.add("unresolved: " + (u.symbol().isEmpty() ? "version " + u.version() : u.symbol() + "@" + u.version()) + " (needed by " + u.object().substring(u.object().lastIndexOf('/') + 1) + ")");
    }
    StringBuilder t = new StringBuilder("    " + fb.framework() + " " + file);
    if (b.device() != null && b.device().fatbins() > 0) {
      t.append(" · GPU code ").append(String.join(" ", b.device().sass())).append(b.device().ptx().isEmpty() ? "" : " " + String.join(" ", b.device().ptx()));
    }
    long cuda = b.loads().stream().filter(l -> cudaLibrary(l.needed())).count();
    t.append(" · ").append(cuda).append(" CUDA librar").append(cuda == 1 ? "y" : "ies").append(" resolved");
    boolean bad = !b.missing().isEmpty() || !b.unresolved().isEmpty();
    if (bad) {
      t.append(" · ").append(b.missing().size()).append(" missing, ").append(b.unresolved().size()).append(" unresolved");
    }
    det.add("file " + b.path());
    return item(bad ? Mark.WARN : Mark.OK, t.toString(), det);
  }

  private static void deep(PythonEnv e, List<Item> items) {
    if (e.deep() instanceof Observation.Absent<PythonInfo.DeepReport> a && a.why().startsWith("not asked")) {
      return;
    }
    PythonInfo.DeepReport d = e.deep().orElse(null);
    if (d == null) {
      items.add(item(Mark.WARN, "    --deep: " + e.deep().reason(), sources(e.deep())));
      return;
    }
    if (d.error() != null) {
      items.add(item(Mark.WARN, "    --deep: importing torch failed: " + d.error(), sources(e.deep())));
      return;
    }
    String t = "    --deep: torch " + d.torchVersion() + " (CUDA " + d.cuda() + ") " + (d.available() ? "sees GPUs " + d.capabilities() : "sees no GPU")
        + (d.archList().isEmpty() ? "" : " · archs " + String.join(" ", d.archList()))
        + (d.cudnn() == null ? "" : " · cuDNN " + d.cudnn());
    List<String> det = new ArrayList<>(sources(e.deep()));
    det.add("CUDA_HOME for extension builds: " + d.cudaHome());
    det.addAll(prefix("mapped: ", d.mappedLibraries()));
    items.add(item(d.available() ? Mark.OK : Mark.WARN, t, det));
  }

  private static void torch(PythonEnv e, List<Item> items) {
    if (e.torch() instanceof Observation.Failed<TorchBuild> f) {
      items.add(item(Mark.WARN, "    torch/version.py unreadable: " + f.error(), sources(e.torch())));
      return;
    }
    TorchBuild t = e.torch().orElse(null);
    if (t == null) {
      return;
    }
    String build = t.cuda() != null ? "CUDA " + t.cuda() + " build" : t.hip() != null ? "ROCm (HIP " + t.hip() + ") build" : "CPU-only build";
    List<String> det = new ArrayList<>(List.of("from " + e.torch().source().describe()));
    det.addAll(prefix("torch/lib: ", t.libFiles()));
    items.add(item(Mark.INFO, "    torch " + t.version() + " — " + build, det));
    for (PythonInfo.Pin pin : t.pins()) {
      if (!pin.satisfied()) {
        items.add(item(Mark.WARN, "    torch pins " + pin.name() + (pin.pinned() == null ? "" : "==" + pin.pinned()) + " but "
            + (pin.installed() == null ? "it is not installed" : pin.installed() + " is installed"), List.of("Requires-Dist: " + pin.requirement())));
      }
    }
  }

  private static Item bnb(BnbSetup b) {
    Mark mark = b.outcome().equals("cuda") ? Mark.OK : b.outcome().equals("cpu") ? Mark.WARN : Mark.BAD;
    String what = switchOutcome(b);
    List<String> det = new ArrayList<>(List.of("why: " + b.why(), "rule: " + b.rule()));
    det.add("ships: " + String.join(", ", b.binaries()));
    return item(mark, "    bitsandbytes " + b.version() + " — " + what, det);
  }

  private static String switchOutcome(BnbSetup b) {
    if (b.outcome().equals("cuda")) {
      return "loads " + b.loads();
    }
    if (b.outcome().equals("cpu")) {
      return (b.wanted() == null ? "no CUDA library chosen" : "wants " + b.wanted() + ", not shipped") + " → falls back to the CPU (" + b.loads() + ")";
    }
    return "wants " + b.wanted() + ", not shipped → GPU functions will fail";
  }
}
