package dev.cudastack.check;

import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.model.Snapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The ordered registry of checks, layer by layer from the driver up. */
public final class Checks {
  private record Entry(String name, Check check) {}

  private static final List<Entry> REGISTRY = List.of(
      new Entry("driver present", DriverChecks::noDriver),
      new Entry("driver consistent", DriverChecks::libraryMismatch),
      new Entry("forward compatibility", DriverChecks::forwardCompat),
      new Entry("runtimes on driver", DriverChecks::driverTooOld),
      new Entry("toolkit on driver", DriverChecks::toolkitNewerThanDriver),
      new Entry("PTX JIT", DriverChecks::ptxJit),
      new Entry("torch kind", TorchChecks::cpuOnly),
      new Entry("torch kernels", TorchChecks::notInBuild),
      new Entry("torch copies", TorchChecks::multipleInstalls),
      new Entry("torch pins", TorchChecks::pinMismatch),
      new Entry("libraries", LibraryChecks::shadowed),
      new Entry("binaries: missing libraries", BinaryChecks::missing),
      new Entry("binaries: symbols", BinaryChecks::symbols),
      new Entry("binaries: loads", BinaryChecks::shadowed),
      new Entry("nvcc choice", ToolkitChecks::wrongNvcc),
      new Entry("nvcc present", ToolkitChecks::nvccMissing),
      new Entry("nvcc major", ToolkitChecks::majorMismatch),
      new Entry("nvcc minor", ToolkitChecks::minorMismatch),
      new Entry("host compiler", ToolkitChecks::hostCompiler),
      new Entry("toolkit archs", ToolkitChecks::gpuArch),
      new Entry("bitsandbytes", BnbChecks::run),
      new Entry("extensions", TorchChecks::extensionMismatch));

  private Checks() {}

  /** Runs every check; a check the knowledge base cannot serve is skipped with a note, never fatal. */
  public static Diagnosis run(Snapshot s, KnowledgeBase kb) {
    List<String> notes = new ArrayList<>();
    Facts f;
    try {
      f = new Facts(s, kb);
    } catch (KbException e) {
      return new Diagnosis(List.of(), List.of(), List.of(), List.of("no checks ran: the knowledge base could not be read (" + e.getMessage() + ")"));
    } catch (RuntimeException e) {
      return new Diagnosis(List.of(), List.of(), List.of(), List.of("no checks ran: the snapshot holds data they cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
    }
    List<Finding> all = new ArrayList<>();
    for (Entry e : REGISTRY) {
      try {
        all.addAll(e.check().run(f));
      } catch (KbException | RuntimeException ex) {
        notes.add("check '" + e.name() + "' skipped: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
      }
    }
    // Stable order: severity, then registry order (the list is already in registry order).
    List<Finding> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparingInt(x -> x.severity().ordinal()));
    List<Proposal> proposals = new ArrayList<>();
    for (Facts.Env env : f.envs) {
      try {
        StackAdvisor.propose(f, env, sorted).ifPresent(proposals::add);
      } catch (KbException | RuntimeException ex) {
        notes.add("no stack proposed for " + env.prefix() + ": " + ex.getMessage());
      }
    }
    List<String> fine = new ArrayList<>();
    try {
      fine = fine(f, sorted);
    } catch (KbException | RuntimeException ex) {
      notes.add("could not summarise what is fine: " + ex.getMessage());
    }
    return new Diagnosis(sorted, fine, proposals, notes);
  }

  /**
   * What the doctor found fine that contradicts a cause with this code (a log's "driver too old"
   * against "torch … runs on this driver" here), or empty. Read from the {@code fine} statements
   * that {@link #fine} writes, so the two stay together.
   */
  public static java.util.Optional<String> refutation(Diagnosis d, String code) {
    java.util.function.Predicate<String> p = switch (code) {
      case Codes.DRIVER_TOO_OLD, Codes.TORCH_CPU_ONLY -> f -> f.startsWith("torch ") && f.contains(") runs on this driver");
      case Codes.GPU_ARCH_NOT_IN_BUILD -> f -> f.startsWith("torch ") && f.contains(" has kernels for ");
      case Codes.BNB_BINARY_MISSING, Codes.BNB_CPU_ONLY, Codes.BNB_LIBCUDART_NOT_FOUND -> f -> f.startsWith("bitsandbytes ") && f.contains(" loads ");
      default -> f -> false;
    };
    return d.fine().stream().filter(p).findFirst();
  }

  /** The layers checked and found fine, said plainly ("the driver is fine" is news too). */
  private static List<String> fine(Facts f, List<Finding> findings) throws KbException {
    List<String> out = new ArrayList<>();
    java.util.Set<String> fired = new java.util.HashSet<>();
    for (Finding x : findings) {
      fired.add(x.code());
    }
    if (f.driverVersion.isPresent() && f.driverMaxCuda.isPresent()) {
      out.add("driver " + f.driverVersion.get() + " runs CUDA up to " + f.driverMaxCuda.get()
          + (f.s.driver().highestCuda().isFound() ? "" : " (" + f.driverMaxEvidence.source().describe() + ")"));
    }
    for (Facts.Env e : f.envs) {
      if (e.torchCuda().isEmpty() || f.driverVersion.isEmpty()) {
        continue;
      }
      String t = "torch " + e.torch().get().version();
      DriverChecks.Verdict v = DriverChecks.verdict(f, e.torchCuda().get());
      if (!fired.contains(Codes.DRIVER_TOO_OLD) && v.outcome() != dev.cudastack.kb.KnowledgeBase.Outcome.TOO_OLD && v.outcome() != dev.cudastack.kb.KnowledgeBase.Outcome.UNKNOWN) {
        out.add(t + " (CUDA " + e.torchCuda().get() + ") runs on this driver" + (v.outcome() == dev.cudastack.kb.KnowledgeBase.Outcome.MINOR_COMPAT ? " by minor-version compatibility" : ""));
      }
      java.util.Optional<dev.cudastack.kb.ArchList> archs = TorchChecks.archs(e);
      if (archs.isPresent() && !fired.contains(Codes.GPU_ARCH_NOT_IN_BUILD)) {
        for (Facts.Gpu g : f.gpus) {
          if (g.cc() != null && archs.get().fit(g.cc()) != dev.cudastack.kb.ArchList.Fit.NONE) {
            out.add(t + " has kernels for " + g.label() + " (" + archs.get().fit(g.cc()).name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")");
          }
        }
      }
      e.env().bitsandbytes().get().filter(b -> "cuda".equals(b.outcome()))
          .ifPresent(b -> out.add("bitsandbytes " + b.version() + " loads " + b.loads()));
    }
    return out.stream().distinct().toList();
  }
}
