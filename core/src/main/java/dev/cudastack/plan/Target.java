package dev.cudastack.plan;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.Version;
import dev.cudastack.model.GpuInfo;
import dev.cudastack.model.PythonInfo;
import dev.cudastack.model.Snapshot;
import dev.cudastack.model.ToolkitInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The machine a plan is for: GPUs with compute capabilities, the driver and the highest CUDA it
 * runs, the Python to use, the installed toolkits, and the host gcc. From a snapshot (this
 * machine, a tree, a saved one) or from a description on the command line.
 */
public record Target(String description, List<Gpu> gpus, String driver, String driverMaxCuda, String python, List<Toolkit> toolkits, Integer gccMajor,
    List<String> notes) {
  public Target {
    gpus = List.copyOf(gpus);
    toolkits = List.copyOf(toolkits);
    notes = List.copyOf(notes);
  }

  public record Gpu(String name, int cc) {}

  public record Toolkit(String path, String release) {}

  /** From --gpu/--driver/--python/--toolkit. */
  public static Target describe(List<String> gpuNames, String driver, String python, List<String> toolkits, KnowledgeBase kb) throws KbException {
    List<String> notes = new ArrayList<>();
    List<Gpu> gpus = new ArrayList<>();
    for (String g : gpuNames) {
      Optional<KnowledgeBase.GpuModel> m = kb.gpu(g);
      if (m.isEmpty()) {
        notes.add("GPU '" + g + "' is not in the knowledge base: its architecture is not checked");
        continue;
      }
      gpus.add(new Gpu(m.get().name(), ArchList.capability(m.get().computeCapability())));
    }
    String max = null;
    if (driver != null) {
      KnowledgeBase.DriverVerdict v = kb.driver(driver);
      max = v.branch().map(KnowledgeBase.DriverBranch::maxCuda).orElse(null);
      if (v.newerThanKnown()) {
        notes.add(v.explanation());
      }
    }
    List<Toolkit> tks = toolkits.stream().map(t -> new Toolkit("CUDA " + t + " (described)", mm(t))).toList();
    return new Target(String.join(", ", gpuNames) + (driver == null ? "" : " · driver " + driver) + (python == null ? "" : " · Python " + python), gpus, driver, max,
        python, tks, null, notes);
  }

  /** From a snapshot: the machine as probed (or replayed). */
  public static Target of(Snapshot s, KnowledgeBase kb, String pythonOverride) throws KbException {
    List<String> notes = new ArrayList<>();
    List<Gpu> gpus = new ArrayList<>();
    for (GpuInfo.Gpu g : s.gpus().devices()) {
      Integer cc = g.computeCapability().get().map(ArchList::capability).orElse(null);
      String name = g.name().orElse("GPU " + g.index());
      if (cc == null) {
        cc = kb.gpu(name).map(m -> ArchList.capability(m.computeCapability())).orElse(null);
      }
      if (cc == null) {
        notes.add(name + ": compute capability unknown, its architecture is not checked");
      } else {
        gpus.add(new Gpu(name, cc));
      }
    }
    String driver = s.driver().version().orElse(null);
    String max = s.driver().highestCuda().get().map(Target::mm).orElse(null);
    if (max == null && driver != null) {
      max = kb.driver(driver).branch().map(KnowledgeBase.DriverBranch::maxCuda).orElse(null);
    }
    List<Toolkit> tks = new ArrayList<>();
    for (ToolkitInfo.ToolkitInstall t : s.toolkits().installs()) {
      if (t.hasNvcc()) {
        t.nvccVersion().get().or(() -> t.version().get()).map(Target::mm).filter(v -> Version.parse(v).isPresent())
            .ifPresent(v -> tks.add(new Toolkit(t.path(), v)));
      }
    }
    String python = pythonOverride;
    if (python == null) {
      for (PythonInfo.PythonEnv e : s.python().environments()) {
        if (e.foundBy().stream().anyMatch(b -> !b.equals("conda env")) && e.pythonVersion().isFound()) {
          python = mm(e.pythonVersion().get().get());
          break;
        }
      }
    }
    Integer gcc = s.hostCompiler().selected().get().filter(c -> !c.family().contains("clang")).flatMap(c -> c.version().get())
        .flatMap(v -> Version.parse(v.replaceAll("[^0-9.].*$", ""))).map(v -> (int) v.major()).orElse(null);
    String where = s.inspection().isRoot() ? "tree " + s.inspection().root() : s.inspection().replayedFrom() != null ? "snapshot " + s.inspection().replayedFrom() : "this machine";
    return new Target(where, gpus, driver, max, python, tks, gcc, notes);
  }

  static String mm(String v) {
    Optional<Version> p = Version.parse(v.strip().replaceAll("[^0-9.].*$", ""));
    return p.map(x -> x.major() + "." + x.minor()).orElse(v);
  }
}
