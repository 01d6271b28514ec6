package dev.cudastack.check;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.Bnb;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.Torch;
import dev.cudastack.kb.Version;
import dev.cudastack.kb.VersionRange;
import dev.cudastack.model.HostCompilerInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Proposes a target stack when the current one is broken: keep torch when it runs here and can be
 * served (a matching toolkit for extension builds, a bitsandbytes with its binary); otherwise the
 * official torch build that this driver runs, whose archs cover every GPU, that supports this
 * Python, and whose CUDA major an installed toolkit (accepting the host compiler) matches —
 * preferring a native driver fit, the installed torch major, then the newest release.
 */
final class StackAdvisor {
  private StackAdvisor() {}

  /** A candidate torch build with its sort key. */
  private record Candidate(Torch.Release release, Torch.Patch patch, Torch.Variant variant, int toolkitScore, boolean nativeFit, boolean sameMajor, boolean sass) {}

  static Optional<Proposal> propose(Facts f, Facts.Env e, List<Finding> findings) throws KbException {
    boolean broken = findings.stream().anyMatch(x -> x.subject().equals(e.prefix())
            && (x.severity() == Severity.ERROR || x.code().equals(Codes.WRONG_NVCC_ON_PATH) || x.code().equals(Codes.NVCC_TORCH_MAJOR_MISMATCH)))
        || findings.stream().anyMatch(x -> x.code().equals(Codes.HOST_COMPILER_TOO_NEW) && x.severity() == Severity.ERROR);
    if (!broken || e.torch().isEmpty() || f.driverVersion.isEmpty()) {
      return Optional.empty();
    }
    List<String> notes = new ArrayList<>();
    boolean builders = !Facts.builders(e).isEmpty();
    boolean bnb = e.env().bitsandbytes().isFound();
    String python = e.env().pythonVersion().orElse(null);
    String torchVersion = e.torch().get().version();
    String torchCuda = e.torchCuda().orElse(null);
    String variant = null;
    Torch.Patch patch = null;
    Torch.Variant chosenVariant = null;
    boolean changed;
    String why;
    List<String> keepProblems = keepProblems(f, e, findings, builders, bnb, python);
    if (keepProblems.isEmpty()) {
      changed = false;
      why = "torch " + torchVersion + " runs here; the rest of the stack is adjusted to it";
    } else {
      Optional<Candidate> c = choose(f, e, builders, bnb, python);
      if (c.isEmpty()) {
        notes.add("no official torch build in the knowledge base runs on driver " + f.driverVersion.get() + " with these GPUs and Python " + python);
        return Optional.of(new Proposal(e.prefix(), torchVersion, false, String.join("; ", keepProblems), null, null, List.of(), List.of(), notes));
      }
      boolean onlyToolkit = keepProblems.stream().allMatch(x -> x.endsWith("cannot build"));
      if (onlyToolkit && c.get().toolkitScore() == 0) {
        // Another torch would not give extension builds a toolkit either: keep torch, install a toolkit.
        notes.add("another torch build would not help: no installed toolkit fits any of them either");
        changed = false;
        why = "torch " + torchVersion + " runs here; extension builds need a CUDA " + torchCuda + " toolkit";
      } else {
      changed = true;
      patch = c.get().patch();
      chosenVariant = c.get().variant();
      variant = chosenVariant.cuda();
      torchVersion = patch.version() + "+" + variant;
      torchCuda = chosenVariant.cudaVersion();
      why = "torch " + e.torch().get().version() + " cannot stay: " + String.join("; ", keepProblems) + ". torch " + torchVersion + " runs on driver " + f.driverVersion.get()
          + (c.get().nativeFit() ? "" : " (by minor-version compatibility)") + ", has kernels for " + String.join(", ", f.gpus.stream().filter(g -> g.cc() != null).map(g -> "sm_" + g.cc()).distinct().toList())
          + (python == null ? "" : ", supports Python " + python) + (c.get().toolkitScore() > 0 ? " and matches an installed toolkit" : "");
      }
    }
    List<Fix> env = new ArrayList<>();
    List<Fix> installs = new ArrayList<>();
    String toolkit = null;
    if (torchCuda != null) {
      Optional<Facts.Toolkit> tk = toolkitFor(f, torchCuda);
      if (tk.isPresent()) {
        toolkit = tk.get().path();
        boolean alreadyFirst = f.extensionToolkit.filter(x -> x == tk.get()).isPresent() && f.shellToolkit.filter(x -> x == tk.get()).isPresent();
        if (!alreadyFirst) {
          env.addAll(Fixes.toolkitFirst(f, tk.get(), "CUDA " + tk.get().release() + " for shells and extension builds (torch's CUDA is " + torchCuda + ")", torchCuda));
        }
      } else if (builders) {
        installs.add(new Fix.Install("conda", List.of("cuda-toolkit=" + torchCuda), "nvidia", "a CUDA " + torchCuda + " toolkit for extension builds (none installed matches torch's CUDA major)"));
        notes.add("after installing the toolkit, set CUDA_HOME to it");
      }
    }
    if (changed) {
      List<String> pkgs = new ArrayList<>();
      pkgs.add("torch==" + patch.version());
      if (e.dist("torchvision").isPresent() && patch.torchvision() != null) {
        pkgs.add("torchvision==" + patch.torchvision());
      }
      if (e.dist("torchaudio").isPresent() && patch.torchaudio() != null) {
        pkgs.add("torchaudio==" + patch.torchaudio());
      }
      installs.add(new Fix.Install("pip", pkgs, Torch.indexUrl(patch, chosenVariant), "torch " + torchVersion + " from the " + variant + " index"));
    }
    String bnbSpec = null;
    if (bnb) {
      var setup = e.env().bitsandbytes().get().get();
      boolean bnbOk = !changed && "cuda".equals(setup.outcome());
      if (!bnbOk) {
        Optional<String> spec = bnbFor(f, e, torchVersion, torchCuda);
        if (spec.isPresent()) {
          bnbSpec = spec.get();
          installs.add(new Fix.Install("pip", List.of(spec.get()), null, "bitsandbytes with a binary for CUDA " + torchCuda));
        } else {
          notes.add("no bitsandbytes release in the knowledge base ships a CUDA " + torchCuda + " binary for Python " + python);
        }
      }
    }
    if (changed) {
      notes.add("packages the knowledge base does not cover (transformers, peft, deepspeed, ...) are kept as installed and not checked against torch " + torchVersion);
    }
    return Optional.of(new Proposal(e.prefix(), torchVersion, changed, why, bnbSpec, toolkit, env, installs, notes));
  }

  /** Why the installed torch cannot be kept; empty when it can. */
  private static List<String> keepProblems(Facts f, Facts.Env e, List<Finding> findings, boolean builders, boolean bnb, String python) throws KbException {
    List<String> out = new ArrayList<>();
    for (Finding x : findings) {
      if (x.subject().equals(e.prefix()) && List.of(Codes.DRIVER_TOO_OLD, Codes.GPU_ARCH_NOT_IN_BUILD, Codes.PTX_JIT_UNSUPPORTED, Codes.TORCH_CPU_ONLY).contains(x.code())) {
        out.add(x.title());
      }
    }
    Optional<String> cuda = e.torchCuda();
    if (cuda.isEmpty()) {
      if (out.isEmpty() && !f.gpus.isEmpty()) {
        out.add("it is not a CUDA build");
      }
      return out;
    }
    if (builders && toolkitFor(f, cuda.get()).isEmpty()) {
      boolean any = f.toolkits.stream().anyMatch(t -> t.hasNvcc() && Facts.major(t.release()) == Facts.major(cuda.get()));
      out.add((any ? "no installed toolkit of CUDA " + Facts.major(cuda.get()) + ".x accepts the host compiler"
          : "no toolkit of CUDA " + Facts.major(cuda.get()) + ".x is installed") + ", so " + String.join(", ", Facts.builders(e)) + " cannot build");
    }
    if (bnb && bnbFor(f, e, e.torch().get().version(), cuda.get()).isEmpty()) {
      out.add("no bitsandbytes release that follows torch's CUDA ships a CUDA " + cuda.get() + " binary");
    }
    return out;
  }

  /** The installed toolkit of torch's CUDA major whose nvcc accepts the host compiler: the exact minor first, then the nearest. */
  static Optional<Facts.Toolkit> toolkitFor(Facts f, String cuda) throws KbException {
    Facts.Toolkit best = null;
    for (Facts.Toolkit t : f.toolkits) {
      if (!t.hasNvcc() || Facts.major(t.release()) != Facts.major(cuda) || !compilerOk(f, t)) {
        continue;
      }
      if (best == null || ToolkitChecks.fit(t.release(), cuda) > ToolkitChecks.fit(best.release(), cuda)
          || ToolkitChecks.fit(t.release(), cuda) == ToolkitChecks.fit(best.release(), cuda) && Facts.compare(t.release(), best.release()) > 0) {
        best = t;
      }
    }
    return Optional.ofNullable(best);
  }

  private static boolean compilerOk(Facts f, Facts.Toolkit t) throws KbException {
    if (f.hostCompiler.isEmpty() || f.hostCompiler.get().version().get().isEmpty()) {
      return true;
    }
    HostCompilerInfo.Compiler c = f.hostCompiler.get();
    Optional<KnowledgeBase.CompilerLimit> limit = f.kb.hostCompiler(t.release());
    if (limit.isEmpty()) {
      return true;
    }
    Integer max = c.family().contains("clang") ? limit.get().row().clangMax() : limit.get().row().gccMax();
    return max == null || Facts.major(c.version().get().get()) <= max;
  }

  private static Optional<Candidate> choose(Facts f, Facts.Env e, boolean builders, boolean bnb, String python) throws KbException {
    List<Candidate> all = new ArrayList<>();
    long installedMajor = Version.parse(e.torch().get().version()).map(Version::major).orElse(-1L);
    for (Torch.Release r : f.kb.torchReleases()) {
      if (!"VERIFIED".equals(r.evidence()) && !"SECONDARY".equals(r.evidence())) {
        continue; // planned or unconfirmed releases are not proposed
      }
      Torch.Patch p = r.patches().getLast();
      if (python != null && !r.supportsPython(p, python)) {
        continue;
      }
      for (Torch.Variant v : r.variantsOf(p)) {
        if (v.experimental()) {
          continue;
        }
        DriverChecks.Verdict dv = DriverChecks.verdict(f, v.cudaVersion());
        if (dv.outcome() != KnowledgeBase.Outcome.NATIVE && dv.outcome() != KnowledgeBase.Outcome.MINOR_COMPAT) {
          continue;
        }
        Optional<ArchList> archs = v.archList();
        if (archs.isEmpty()) {
          continue;
        }
        boolean allRun = true;
        boolean sass = true;
        for (Facts.Gpu g : f.gpus) {
          if (g.cc() == null) {
            continue;
          }
          ArchList.Fit fit = archs.get().fit(g.cc());
          if (fit == ArchList.Fit.NONE || fit == ArchList.Fit.PTX_JIT && dv.outcome() != KnowledgeBase.Outcome.NATIVE) {
            allRun = false;
          }
          sass &= fit == ArchList.Fit.EXACT || fit == ArchList.Fit.COMPATIBLE_SASS;
        }
        if (!allRun) {
          continue;
        }
        Optional<Facts.Toolkit> tk = toolkitFor(f, v.cudaVersion());
        int tkScore = tk.isEmpty() ? 0 : ToolkitChecks.fit(tk.get().release(), v.cudaVersion()) == 3 ? 2 : 1;
        all.add(new Candidate(r, p, v, tkScore, dv.outcome() == KnowledgeBase.Outcome.NATIVE, f.version(p.version()).major() == installedMajor, sass));
      }
    }
    // Best first; the bitsandbytes lookup (the costly test) only until one passes.
    all.sort((a, b) -> better(a, b, builders) ? -1 : better(b, a, builders) ? 1 : 0);
    for (Candidate c : all) {
      if (!bnb || bnbFor(f, e, c.patch().version(), c.variant().cudaVersion()).isPresent()) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  private static boolean better(Candidate a, Candidate b, boolean builders) {
    int[] ka = {a.toolkitScore() > 0 ? 1 : 0, a.nativeFit() ? 1 : 0, a.sameMajor() ? 1 : 0, a.sass() ? 1 : 0, a.toolkitScore()};
    int[] kb = {b.toolkitScore() > 0 ? 1 : 0, b.nativeFit() ? 1 : 0, b.sameMajor() ? 1 : 0, b.sass() ? 1 : 0, b.toolkitScore()};
    if (!builders) {
      ka[0] = 0;
      kb[0] = 0;
    }
    for (int i = 0; i < ka.length; i++) {
      if (ka[i] != kb[i]) {
        return ka[i] > kb[i];
      }
    }
    return Version.of(a.patch().version()).compareTo(Version.of(b.patch().version())) > 0;
  }

  /**
   * The newest bitsandbytes (as a pip requirement) that picks its binary from torch's CUDA, ships
   * one for this CUDA, and accepts this Python and torch.
   */
  static Optional<String> bnbFor(Facts f, Facts.Env e, String torchVersion, String torchCuda) throws KbException {
    if (torchCuda == null) {
      return Optional.empty();
    }
    String key = "bnb:" + e.prefix() + "|" + torchVersion + "|" + torchCuda;
    Optional<String> known = f.recall(key);
    if (known != null) {
      return known;
    }
    Optional<String> found = findBnb(f, e, torchVersion, torchCuda);
    f.remember(key, found);
    return found;
  }

  private static Optional<String> findBnb(Facts f, Facts.Env e, String torchVersion, String torchCuda) throws KbException {
    String variant = Torch.variantOf(torchCuda);
    if (variant == null) {
      return Optional.empty();
    }
    String digits = variant.substring(2);
    String python = e.env().pythonVersion().orElse(null);
    Optional<Version> tv = Optional.ofNullable(torchVersion).flatMap(Version::parse).map(Version::public_);
    List<Bnb.Release> all = f.kb.bnbReleases();
    for (int i = all.size() - 1; i >= 0; i--) {
      Bnb.Release r = all.get(i);
      if (!r.selection().equals("torch") || !r.binaries().contains(digits)) {
        continue;
      }
      if (python != null && r.python() != null && Version.parse(python).isPresent()) {
        Version pv = Version.parse(python).get();
        if (!f.range(r.python()).contains(f.version(pv.major() + "." + pv.minor()))) {
          continue;
        }
      }
      if (tv.isPresent() && r.torch() != null && !f.range(r.torch()).contains(tv.get())) {
        continue;
      }
      return Optional.of("bitsandbytes" + specOf(r.versions()));
    }
    return Optional.empty();
  }

  /** ">=0.48,<0.49" → "==0.48.*"; "==0.43.0" → "==0.43.0"; other ranges as they are. */
  private static String specOf(String range) {
    String[] parts = range.split(",");
    if (parts.length == 2 && parts[0].startsWith(">=") && parts[1].startsWith("<")) {
      Version lo = Version.of(parts[0].substring(2));
      Version hi = Version.of(parts[1].substring(1));
      if (lo.release().size() == 2 && hi.release().size() == 2 && lo.major() == hi.major() && hi.minor() == lo.minor() + 1) {
        return "==" + lo + ".*";
      }
    }
    return range;
  }
}
