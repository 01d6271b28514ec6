package dev.cudastack.cli;

import dev.cudastack.json.Json;
import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.Bnb;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.Torch;
import dev.cudastack.kb.Version;
import dev.cudastack.kb.VersionRange;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cudastack kb}: what the knowledge base says, and how old it is. */
@Command(
    name = "kb",
    mixinStandardHelpOptions = true,
    versionProvider = CudastackCommand.Version.class,
    description = "Query the knowledge base: info, driver VERSION, gpu NAME, toolkit VERSION, torch VERSION, bnb VERSION.")
final class KbCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The query subcommands. Main adds them only when the command line needs them: picocli reads
   * every registered command's annotations at start-up, which the doctor should not pay for.
   */
  static void addQueries(picocli.CommandLine kb) {
    kb.addSubcommand(new Info());
    kb.addSubcommand(new Driver());
    kb.addSubcommand(new Gpu());
    kb.addSubcommand(new Toolkit());
    kb.addSubcommand(new TorchQuery());
    kb.addSubcommand(new BnbQuery());
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
        text(out, a, "");
      }
      out.flush();
      return a.get("found") == Boolean.FALSE ? ExitCodes.WARNINGS : ExitCodes.OK;
    } catch (KbException e) {
      spec.commandLine().getErr().println("cudastack: knowledge base: " + e.getMessage());
      return ExitCodes.TOOL_FAILED;
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("cudastack: knowledge base: unreadable table (" + e.getMessage() + ")");
      return ExitCodes.TOOL_FAILED;
    }
  }

  /** key: value lines; lists as indented items; nested maps indented. Nulls are left out. */
  private static void text(PrintWriter out, Map<?, ?> m, String indent) {
    for (Map.Entry<?, ?> e : m.entrySet()) {
      Object v = e.getValue();
      if (v == null || e.getKey().equals("found")) {
        continue;
      }
      if (v instanceof Map<?, ?> inner) {
        out.println(indent + e.getKey() + ":");
        text(out, inner, indent + "  ");
      } else if (v instanceof List<?> list) {
        out.println(indent + e.getKey() + ":" + (list.isEmpty() ? " none" : ""));
        for (Object item : list) {
          if (item instanceof Map<?, ?> im) {
            boolean first = true;
            for (Map.Entry<?, ?> ie : im.entrySet()) {
              if (ie.getValue() != null) {
                out.println(indent + (first ? "  - " : "    ") + ie.getKey() + ": " + flat(ie.getValue()));
                first = false;
              }
            }
          } else {
            out.println(indent + "  - " + item);
          }
        }
      } else {
        out.println(indent + e.getKey() + ": " + v);
      }
    }
  }

  private static String flat(Object v) {
    return v instanceof List<?> l ? String.join(" ", l.stream().map(String::valueOf).toList()) : String.valueOf(v);
  }

  @Command(name = "info", mixinStandardHelpOptions = true, description = "The knowledge base's date and size; warns when it is older than 180 days.")
  static final class Info implements Callable<Integer> {
    @Mixin Common common;
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
        a.put("toolkitReleases", kb.toolkitReleases().size());
        a.put("torchReleases", kb.torchReleases().size());
        a.put("bitsandbytesReleases", kb.bnbReleases().size());
        a.put("newestBranch", kb.driverBranches().getLast().id() + " → CUDA " + kb.driverBranches().getLast().maxCuda());
        a.put("newestTorch", kb.torchReleases().getLast().patches().getLast().version());
        if (age > KnowledgeBase.STALE_AFTER_DAYS) {
          a.put("warning", "the knowledge base is " + age + " days old: newer drivers, toolkits and wheels may be missing; update it or pass --kb");
        }
        return a;
      });
    }
  }

  @Command(name = "driver", mixinStandardHelpOptions = true, description = "A driver version's branch, the highest CUDA it runs, and which toolkits and torch variants run on it.")
  static final class Driver implements Callable<Integer> {
    @Mixin Common common;
    @Parameters(paramLabel = "VERSION") String version;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return print(spec, common, kb -> {
        KnowledgeBase.DriverVerdict v = kb.driver(version);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("driver", version);
        a.put("found", v.branch().isPresent());
        a.put("branch", v.branch().map(KnowledgeBase.DriverBranch::id).orElse(null));
        a.put("maxCuda", v.branch().map(KnowledgeBase.DriverBranch::maxCuda).orElse(null));
        a.put("newerThanKnown", v.newerThanKnown());
        a.put("explanation", v.explanation());
        if (v.branch().isPresent()) {
          Set<String> cudas = new LinkedHashSet<>();
          for (KnowledgeBase.ToolkitRelease t : kb.toolkitReleases()) {
            cudas.add(t.toolkit());
          }
          List<String> nat = new ArrayList<>();
          List<String> mvc = new ArrayList<>();
          List<String> no = new ArrayList<>();
          cudas.stream().map(Version::of).sorted().forEach(c -> {
            try {
              switch (kb.runtimeOnDriver(c.toString(), version).outcome()) {
                case NATIVE -> nat.add(c.toString());
                case MINOR_COMPAT -> mvc.add(c.toString());
                default -> no.add(c.toString());
              }
            } catch (KbException e) {
              no.add(c + " (unknown)");
            }
          });
          Map<String, Object> runs = new LinkedHashMap<>();
          runs.put("natively", String.join(" ", nat));
          runs.put("byMinorVersionCompatibility", mvc.isEmpty() ? null : String.join(" ", mvc) + " (no JIT of their newer PTX)");
          runs.put("not", no.isEmpty() ? null : String.join(" ", no));
          a.put("cudaRuntimes", runs);
          List<String> torch = new ArrayList<>();
          for (Torch.Release r : kb.torchReleases()) {
            List<String> ok = new ArrayList<>();
            for (Torch.Variant var : r.variants()) {
              KnowledgeBase.Outcome o = kb.runtimeOnDriver(var.cudaVersion(), version).outcome();
              if (o == KnowledgeBase.Outcome.NATIVE || o == KnowledgeBase.Outcome.MINOR_COMPAT) {
                ok.add(var.cuda() + (o == KnowledgeBase.Outcome.MINOR_COMPAT ? "*" : ""));
              }
            }
            if (!ok.isEmpty()) {
              torch.add(r.release() + ": " + String.join(" ", ok));
            }
          }
          a.put("torchVariants", torch);
          if (!mvc.isEmpty()) {
            a.put("note", "* runs by minor-version compatibility");
          }
        }
        a.put("source", v.branch().map(KnowledgeBase.DriverBranch::source).orElse(null));
        return a;
      });
    }
  }

  @Command(name = "gpu", mixinStandardHelpOptions = true, description = "A GPU model's compute capability (as NVML or /proc name it), and which toolkits and torch builds support it.")
  static final class Gpu implements Callable<Integer> {
    @Mixin Common common;
    @Parameters(paramLabel = "NAME", arity = "1..*") List<String> words;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return print(spec, common, kb -> {
        String name = String.join(" ", words);
        Optional<KnowledgeBase.GpuModel> g = kb.gpu(name);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("query", name);
        a.put("found", g.isPresent());
        a.put("model", g.map(KnowledgeBase.GpuModel::name).orElse(null));
        a.put("computeCapability", g.map(KnowledgeBase.GpuModel::computeCapability).orElse(null));
        a.put("segment", g.map(KnowledgeBase.GpuModel::segment).orElse(null));
        a.put("evidence", g.map(KnowledgeBase.GpuModel::evidence).orElse("not in the knowledge base"));
        if (g.isPresent()) {
          Integer cc = ArchList.capability(g.get().computeCapability());
          if (cc != null) {
            List<String> toolkits = new ArrayList<>();
            List<String> lower = new ArrayList<>();
            for (KnowledgeBase.ToolkitArchs t : kb.toolkitArchs()) {
              KnowledgeBase.ArchOutcome o = kb.archVerdict(t.from(), cc).outcome();
              if (o == KnowledgeBase.ArchOutcome.SUPPORTED) {
                toolkits.add(t.id());
              } else if (o == KnowledgeBase.ArchOutcome.LOWER_MINOR_ONLY) {
                lower.add(t.id());
              }
            }
            a.put("toolkitsThatCompileForIt", String.join(" ", toolkits));
            if (!lower.isEmpty()) {
              a.put("toolkitsWithALowerMinorOnly", String.join(" ", lower));
            }
            Map<String, List<String>> byRelease = new LinkedHashMap<>();
            for (KnowledgeBase.TorchBuild b : kb.torchBuildsFor(cc)) {
              byRelease.computeIfAbsent(b.release().release(), k -> new ArrayList<>())
                  .add(b.variant().cuda() + (b.fit() == ArchList.Fit.PTX_JIT ? "(PTX JIT)" : ""));
            }
            List<String> torch = new ArrayList<>();
            byRelease.forEach((r, vs) -> torch.add(r + ": " + String.join(" ", vs)));
            a.put("torchBuildsWithKernelsForIt", torch);
          }
        }
        a.put("source", g.map(KnowledgeBase.GpuModel::source).orElse(null));
        return a;
      });
    }
  }

  @Command(name = "toolkit", mixinStandardHelpOptions = true, description = "A CUDA toolkit's releases with their minimum drivers, its minor-version compatibility, host compiler limits, architectures, cuDNN builds and torch variants.")
  static final class Toolkit implements Callable<Integer> {
    @Mixin Common common;
    @Parameters(paramLabel = "VERSION") String version;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return print(spec, common, kb -> {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("toolkit", version);
        Optional<Version> v = Version.parse(version);
        List<Object> releases = new ArrayList<>();
        for (KnowledgeBase.ToolkitRelease t : kb.toolkit(version)) {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("release", t.label());
          r.put("linuxMinDriver", t.linuxMinDriver());
          r.put("windowsMinDriver", t.windowsMinDriver());
          r.put("evidence", t.evidence());
          releases.add(common.json ? r : t.label() + ": Linux >= " + t.linuxMinDriver() + ", Windows >= " + t.windowsMinDriver() + " (" + t.evidence() + ")");
        }
        a.put("found", !releases.isEmpty());
        a.put("releases", releases.isEmpty() ? "not in the knowledge base" : releases);
        if (v.isEmpty()) {
          return a;
        }
        kb.minorCompat().stream().filter(m -> m.major() == v.get().major()).findFirst().ifPresent(m -> a.put("minorVersionCompatibility",
            m.linuxFloor() == null ? m.note() : "every " + m.major() + ".x runtime runs on Linux drivers >= " + m.linuxFloor()));
        kb.hostCompiler(version).ifPresent(h -> {
          Map<String, Object> hc = new LinkedHashMap<>();
          hc.put("gccMax", h.row().gccMax());
          hc.put("clangMax", h.row().clangMax());
          hc.put("exact", h.exact());
          hc.put("explanation", h.explanation());
          hc.put("evidence", h.row().evidence());
          hc.put("source", h.row().source());
          a.put("hostCompiler", hc);
        });
        kb.toolkitArchs(version).ifPresent(r -> {
          Map<String, Object> ar = new LinkedHashMap<>();
          ar.put("sm", String.join(" ", r.row().archs()));
          ar.put("specific", r.row().specific().isEmpty() ? null : String.join(" ", r.row().specific()));
          ar.put("removed", r.row().removed().isEmpty() ? null : r.row().removed());
          ar.put("assumed", r.assumed() ? "newer than the knowledge base knows: assumed to match " + r.row().id() : null);
          ar.put("evidence", r.row().evidence());
          ar.put("source", r.row().source());
          a.put("architectures", ar);
        });
        Version mm = Version.of(v.get().major() + "." + v.get().minor());
        List<String> cudnn = new ArrayList<>();
        for (KnowledgeBase.CudnnRelease c : kb.cudnnReleases()) {
          for (KnowledgeBase.CudnnBuild b : c.builds()) {
            if (VersionRange.of(b.cuda()).contains(mm)) {
              cudnn.add(c.versions() + " (CUDA " + b.cudaMajor() + " build)");
            }
          }
        }
        a.put("cudnn", cudnn);
        String variant = Torch.variantOf(mm.toString());
        List<String> torch = new ArrayList<>();
        for (Torch.Release r : kb.torchReleases()) {
          if (r.variant(variant).isPresent()) {
            torch.add(r.release());
          }
        }
        a.put("torchReleasesWith" + variant, String.join(" ", torch));
        return a;
      });
    }
  }

  @Command(name = "torch", mixinStandardHelpOptions = true, description = "A PyTorch release: CUDA variants with their archs, cuDNN and index URL, Python range, torchvision/torchaudio.")
  static final class TorchQuery implements Callable<Integer> {
    @Mixin Common common;
    @Parameters(paramLabel = "VERSION") String version;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return print(spec, common, kb -> {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("torch", version);
        Optional<Torch.Match> m = kb.torch(version);
        a.put("found", m.isPresent());
        if (m.isEmpty()) {
          a.put("explanation", "torch " + version + " is not in the knowledge base (newest known: " + kb.torchReleases().getLast().patches().getLast().version()
              + "); for an installed torch, cudastack doctor reads its CUDA build and archs from its own files");
          return a;
        }
        Torch.Release r = m.get().release();
        Optional<Torch.Patch> p = m.get().patch();
        a.put("release", r.release());
        a.put("patches", String.join(" ", r.patches().stream().map(Torch.Patch::version).toList()));
        if (p.isEmpty() && Version.parse(version).map(x -> x.release().size() > 2).orElse(false)) {
          a.put("note", "patch " + Version.of(version).public_() + " is not in the knowledge base; showing release " + r.release());
        }
        a.put("python", p.map(r::pythonOf).orElse(r.python()));
        p.ifPresent(x -> {
          a.put("torchvision", x.torchvision());
          a.put("torchaudio", x.torchaudio());
        });
        a.put("pypiDefault", r.pypiDefault() == null ? "not known" : r.pypiDefault());
        a.put("triton", r.triton());
        List<Object> variants = new ArrayList<>();
        for (Torch.Variant var : p.map(r::variantsOf).orElse(r.variants())) {
          Map<String, Object> vm = new LinkedHashMap<>();
          vm.put("variant", var.cuda() + (var.experimental() ? " (experimental)" : "") + (m.get().variant().filter(x -> x == var).isPresent() ? " (this one)" : ""));
          vm.put("cuda", var.cudaVersion());
          vm.put("archs", var.archList().map(ArchList::names).orElse(var.archs()));
          vm.put("archEvidence", var.archEvidence());
          vm.put("cudnn", var.cudnn());
          vm.put("nccl", var.nccl());
          vm.put("index", Torch.indexUrl(p.orElse(null), var));
          vm.put("install", p.map(x -> String.join(" ", Torch.pipInstall(x, var))).orElse(null));
          if (common.json) {
            vm.put("pins", var.pins());
            vm.put("archSource", var.archSource());
          }
          variants.add(vm);
        }
        a.put("variants", variants);
        if (version.contains("+") && m.get().variant().isEmpty()) {
          a.put("warning", "no official " + version.substring(version.indexOf('+') + 1) + " wheel of torch " + r.release() + " is known");
        }
        a.put("evidence", r.evidence());
        a.put("remark", r.note());
        a.put("source", r.source());
        return a;
      });
    }
  }

  @Command(name = "bnb", mixinStandardHelpOptions = true, description = "A bitsandbytes release: its CUDA binaries, how it picks one, what happens when none fits, minimum compute capability.")
  static final class BnbQuery implements Callable<Integer> {
    @Mixin Common common;
    @Parameters(paramLabel = "VERSION") String version;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return print(spec, common, kb -> {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("bitsandbytes", version);
        Optional<Bnb.Release> b = kb.bnb(version);
        a.put("found", b.isPresent());
        if (b.isEmpty()) {
          a.put("explanation", "bitsandbytes " + version + " is not in the knowledge base (known: " + kb.bnbReleases().getFirst().versions() + " … "
              + kb.bnbReleases().getLast().versions() + ")");
          return a;
        }
        Bnb.Release r = b.get();
        a.put("releases", r.versions());
        a.put("cudaBinaries", String.join(" ", r.binaries().stream().map(d -> "cuda" + d).toList()));
        a.put("nocublaslt", r.nocublaslt() ? "each also as _nocublaslt (used below compute capability 7.5)" : null);
        a.put("selection", switch (r.selection()) {
          case "libcudart" -> "the CUDA version of the first libcudart.so found on $CONDA_PREFIX/lib, LD_LIBRARY_PATH and other path variables (not torch's)";
          case "torch" -> "torch.version.cuda (major+minor); BNB_CUDA_VERSION overrides the digits";
          default -> r.selection();
        });
        a.put("whenMissing", switch (r.fallback()) {
          case "cpu-quiet" -> "prints setup lines and loads libbitsandbytes_cpu.so: GPU features silently unavailable";
          case "cpu-warning" -> "logs 'Could not find the bitsandbytes CUDA binary' and loads the CPU library";
          case "error" -> "raises 'Configured CUDA binary not found'";
          case "error-deferred" -> "imports, then raises 'Configured CUDA binary not found' at the first GPU call";
          default -> r.fallback();
        });
        a.put("minComputeCapability", r.minCc());
        a.put("python", r.python());
        a.put("torch", r.torch());
        a.put("archs", r.archs());
        List<String> messages = new ArrayList<>();
        Version v = Version.of(version);
        for (Bnb.Message msg : kb.bnbMessages()) {
          if (VersionRange.of(msg.versions()).contains(v)) {
            messages.add(msg.text());
          }
        }
        a.put("messages", messages);
        a.put("remark", r.note());
        a.put("evidence", r.evidence());
        a.put("source", r.source());
        return a;
      });
    }
  }
}
