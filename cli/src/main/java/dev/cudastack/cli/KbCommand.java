package dev.cudastack.cli;

import dev.cudastack.json.Json;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cudastack kb}: what the knowledge base says, and how old it is. */
@Command(
    name = "kb",
    mixinStandardHelpOptions = true,
    versionProvider = CudastackCommand.Version.class,
    description = "Query the knowledge base: info, driver VERSION, gpu NAME, toolkit VERSION.",
    subcommands = {KbCommand.Info.class, KbCommand.Driver.class, KbCommand.Gpu.class, KbCommand.Toolkit.class})
final class KbCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options every kb query shares. */
  static final class Common {
    @Option(names = "--kb", paramLabel = "FILE_OR_DIR", description = "Use an updated knowledge base (a directory of tables, or one table file's directory).")
    Path kb;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    KnowledgeBase open() {
      if (kb == null) {
        return KnowledgeBase.bundled();
      }
      return KnowledgeBase.from(kb.toFile().isDirectory() ? kb : kb.toAbsolutePath().getParent());
    }
  }

  /** Runs a query and turns a broken KB into a message and exit code 3. */
  interface Query {
    Map<String, Object> answer(KnowledgeBase kb) throws KbException;
  }

  static int print(CommandSpec spec, Common c, Query q) {
    PrintWriter out = spec.commandLine().getOut();
    try {
      Map<String, Object> a = q.answer(c.open());
      if (c.json) {
        out.println(Json.write(a));
      } else {
        a.forEach((k, v) -> out.println(k + ": " + v));
      }
      out.flush();
      return ExitCodes.OK;
    } catch (KbException e) {
      spec.commandLine().getErr().println("cudastack: knowledge base: " + e.getMessage());
      return ExitCodes.TOOL_FAILED;
    }
  }

  @Command(name = "info", mixinStandardHelpOptions = true, description = "The knowledge base's date and size; warns when it is older than 180 days.")
  static final class Info implements Callable<Integer> {
    @picocli.CommandLine.Mixin Common common;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return print(spec, common, kb -> {
        Map<String, Object> a = new LinkedHashMap<>();
        LocalDate checked = kb.checked();
        long age = ChronoUnit.DAYS.between(checked, LocalDate.now());
        a.put("checked", checked.toString());
        a.put("ageDays", age);
        a.put("driverBranches", kb.driverBranches().size());
        a.put("gpuModels", kb.gpus().size());
        a.put("newestBranch", kb.driverBranches().getLast().id() + " → CUDA " + kb.driverBranches().getLast().maxCuda());
        if (age > KnowledgeBase.STALE_AFTER_DAYS) {
          a.put("warning", "the knowledge base is " + age + " days old: newer drivers, toolkits and wheels may be missing; update it or pass --kb");
        }
        return a;
      });
    }
  }

  @Command(name = "driver", mixinStandardHelpOptions = true, description = "The branch of a driver version and the highest CUDA it runs.")
  static final class Driver implements Callable<Integer> {
    @picocli.CommandLine.Mixin Common common;
    @Parameters(paramLabel = "VERSION") String version;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return print(spec, common, kb -> {
        KnowledgeBase.DriverVerdict v = kb.driver(version);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("driver", version);
        a.put("branch", v.branch().map(KnowledgeBase.DriverBranch::id).orElse(null));
        a.put("maxCuda", v.branch().map(KnowledgeBase.DriverBranch::maxCuda).orElse(null));
        a.put("newerThanKnown", v.newerThanKnown());
        a.put("explanation", v.explanation());
        a.put("source", v.branch().map(KnowledgeBase.DriverBranch::source).orElse(null));
        return a;
      });
    }
  }

  @Command(name = "gpu", mixinStandardHelpOptions = true, description = "The compute capability of a GPU model (as NVML or /proc names it).")
  static final class Gpu implements Callable<Integer> {
    @picocli.CommandLine.Mixin Common common;
    @Parameters(paramLabel = "NAME", arity = "1..*") java.util.List<String> words;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return print(spec, common, kb -> {
        String name = String.join(" ", words);
        Optional<KnowledgeBase.GpuModel> g = kb.gpu(name);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("query", name);
        a.put("model", g.map(KnowledgeBase.GpuModel::name).orElse(null));
        a.put("computeCapability", g.map(KnowledgeBase.GpuModel::computeCapability).orElse(null));
        a.put("segment", g.map(KnowledgeBase.GpuModel::segment).orElse(null));
        a.put("evidence", g.map(KnowledgeBase.GpuModel::evidence).orElse("not in the knowledge base"));
        a.put("source", g.map(KnowledgeBase.GpuModel::source).orElse(null));
        return a;
      });
    }
  }

  @Command(name = "toolkit", mixinStandardHelpOptions = true, description = "A CUDA toolkit's releases with their minimum drivers, and its major's minor-version compatibility.")
  static final class Toolkit implements Callable<Integer> {
    @picocli.CommandLine.Mixin Common common;
    @Parameters(paramLabel = "VERSION") String version;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return print(spec, common, kb -> {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("toolkit", version);
        java.util.List<Object> releases = new java.util.ArrayList<>();
        for (KnowledgeBase.ToolkitRelease t : kb.toolkit(version)) {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("release", t.label());
          r.put("linuxMinDriver", t.linuxMinDriver());
          r.put("windowsMinDriver", t.windowsMinDriver());
          r.put("evidence", t.evidence());
          releases.add(common.json ? r : t.label() + ": Linux >= " + t.linuxMinDriver() + ", Windows >= " + t.windowsMinDriver() + " (" + t.evidence() + ")");
        }
        a.put("releases", releases.isEmpty() ? "not in the knowledge base" : releases);
        dev.cudastack.kb.Version v = dev.cudastack.kb.Version.parse(version).orElse(null);
        if (v != null) {
          kb.minorCompat().stream().filter(m -> m.major() == v.major()).findFirst().ifPresent(m -> a.put("minorVersionCompatibility",
              m.linuxFloor() == null ? m.note() : "every " + m.major() + ".x runtime runs on Linux drivers >= " + m.linuxFloor()));
        }
        return a;
      });
    }
  }
}
