package dev.cudastack.plan;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.Bnb;
import dev.cudastack.kb.Gates;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.Torch;
import dev.cudastack.kb.Version;
import dev.cudastack.kb.VersionRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Plans a project onto a target. torch first (everything hangs on its CUDA variant): the pinned
 * build if it runs here, else the best official build — one the driver runs (natively, then by
 * minor-version compatibility) with kernels for every GPU, for this Python, whose CUDA major an
 * installed toolkit matches when something compiles CUDA code, keeping the pinned major where
 * possible, newest first. Then the packages that depend on torch's CUDA: torchvision/torchaudio,
 * bitsandbytes, DeepSpeed, flash-attn, xformers, Apex. Everything else is kept as pinned.
 */
public final class Planner {
  /** --keep-pins, --newest, --cuda cuXYZ, --no-build. */
  public record Options(boolean keepPins, boolean newest, String cuda, boolean noBuild) {
    public static Options defaults() {
      return new Options(false, false, null, false);
    }
  }

  private static final List<String> BUILDERS = List.of("deepspeed", "apex", "flash-attn", "xformers");

  private final KnowledgeBase kb;

  public Planner(KnowledgeBase kb) {
    this.kb = kb;
  }

  private record Build(Torch.Release release, Torch.Patch patch, Torch.Variant variant) {
    String label() {
      return patch.version() + "+" + variant.cuda();
    }

    String torchvision() {
      return patch.torchvision();
    }

    String torchaudio() {
      return patch.torchaudio();
    }
  }

  public Plan plan(Project project, Target target, Options o) throws KbException {
    List<Plan.Verdict> verdicts = new ArrayList<>();
    Map<String, Plan.Entry> stack = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>(project.notes());
    notes.addAll(target.notes());
    String python = target.python() != null ? target.python() : project.pythonPinned() != null ? Target.mm(project.pythonPinned()) : null;
    if (target.driver() == null) {
      notes.add("the target has no known NVIDIA driver (give --driver): builds are not checked against one, and the driver must support the chosen CUDA");
    }
    for (Target.Gpu g : target.gpus()) {
      if (driverPredates(target, g)) {
        notes.add("driver " + target.driver() + " (CUDA ≤ " + target.driverMaxCuda() + ") predates " + g.name() + " (sm_" + g.cc()
            + "): no CUDA build can run on it until the driver is upgraded (cudastack kb gpu \"" + g.name() + "\" says which)");
      }
    }
    if (target.gpus().isEmpty()) {
      notes.add("the target has no known GPU (give --gpu): GPU architectures are not checked");
    }
    if (python == null) {
      notes.add("the Python version is unknown (give --python): Python ranges are not checked");
    }
    if (python != null && project.pythonRequires() != null) {
      Optional<VersionRange> r = VersionRange.parse(project.pythonRequires());
      if (r.isPresent() && !r.get().contains(Version.of(python))) {
        verdicts.add(new Plan.Verdict("python", project.pythonRequires(), false, List.of("PYTHON_UNSUPPORTED"),
            "the project requires Python " + project.pythonRequires() + "; the target has " + python, "requires-python"));
      }
    }
    project = applicable(project, python, notes);
    boolean builders = !o.noBuild() && project.requirements().stream().anyMatch(r -> BUILDERS.contains(r.name()));
    // torch
    Optional<Requirement> torchReq = project.get("torch");
    Optional<Build> pinned = torchReq.isPresent() ? pinnedBuild(torchReq.get(), project) : Optional.empty();
    Build chosen = null;
    // A CPU or ROCm build pinned for a target with an NVIDIA GPU: the plan picks the CUDA build of the nearest release.
    boolean nonCudaPin = torchReq.isPresent() && torchReq.get().pinned() != null && Torch.nonCudaLabel(torchReq.get().local())
        && (!target.gpus().isEmpty() || target.driver() != null);
    if (torchReq.isPresent()) {
      Requirement r = torchReq.get();
      List<String> codes = pinned.isPresent() ? problems(pinned.get(), target, python) : new ArrayList<>();
      String why;
      if (nonCudaPin) {
        codes.add("TORCH_CPU_ONLY");
        why = "torch " + r.pinned() + "+" + r.local() + " is " + (r.local().startsWith("rocm") ? "a ROCm (AMD) build" : "a CPU-only build") + ": it cannot use "
            + (target.gpus().isEmpty() ? "the NVIDIA driver's GPUs" : gpuList(target)) + "; the plan takes the CUDA build of the nearest release";
      } else if (pinned.isPresent()) {
        if (r.url() == null && r.local() != null && project.indexUrls().stream().noneMatch(u -> u.replaceAll("/+$", "").endsWith("/" + r.local())) && project.findLinks().isEmpty()) {
          codes.add(0, "PIN_NEEDS_INDEX");
        }
        why = codes.isEmpty() ? "torch " + pinned.get().label() + " runs here" : describe(codes, pinned.get(), target, python);
      } else {
        why = r.pinned() != null ? "torch " + r.pinned() + " is not in the knowledge base: kept, not checked" : "a range: resolved below";
      }
      if (pinned.isPresent()) {
        List<String> deps = dependents(pinned.get(), project, target, python, builders);
        if (!deps.isEmpty()) {
          codes.addAll(deps);
          why = (why.endsWith("runs here") ? why + ", but " : why + "; ") + describeDependents(deps, pinned.get(), target);
        }
      }
      boolean pinOk = pinned.isPresent() && codes.stream().allMatch(c -> c.equals("PIN_NEEDS_INDEX"));
      verdicts.add(new Plan.Verdict("torch", r.spec() + (r.local() == null ? "" : "+" + r.local()), pinned.isEmpty() && r.pinned() == null || pinOk, codes, why, r.origin()));
      if (pinOk && (o.cuda() == null || o.cuda().equals(pinned.get().variant().cuda())) && !o.newest()) {
        chosen = pinned.get();
      }
    }
    if (chosen == null && (torchReq.isEmpty() || torchReq.get().pinned() == null || pinned.isPresent() || nonCudaPin)) {
      chosen = choose(project, target, python, o, builders, torchReq.orElse(null)).orElse(null);
      if (chosen == null && torchReq.isPresent()) {
        notes.add("no official torch build in the knowledge base runs on this target" + (python == null ? "" : " with Python " + python)
            + (o.cuda() == null ? "" : " as " + o.cuda()));
      }
      Optional<VersionRange> range = torchReq.isEmpty() || torchReq.get().pinned() != null || torchReq.get().spec().isEmpty() ? Optional.empty()
          : VersionRange.parse(torchReq.get().spec());
      boolean outside = chosen != null && range.isPresent() && !range.get().contains(Version.of(chosen.patch().version()));
      if (torchReq.isPresent() && torchReq.get().pinned() == null && (chosen == null || outside)) {
        Requirement r = torchReq.get();
        verdicts.removeIf(v -> v.name().equals("torch"));
        verdicts.add(0, new Plan.Verdict("torch", r.spec(), false, List.of("NO_MATCHING_BUILD"), chosen == null
            ? "no official build" + (r.spec().isEmpty() ? "" : " in " + r.spec()) + " runs on this target" + (python == null ? "" : " with Python " + python)
            : "no official build in " + r.spec() + " runs on this target" + (python == null ? "" : " with Python " + python) + "; the plan leaves the range", r.origin()));
      }
    }
    String torchCuda = null;
    if (chosen != null) {
      torchCuda = chosen.variant().cudaVersion();
      boolean changed = torchReq.isEmpty() || pinned.isEmpty() || !pinned.get().label().equals(chosen.label());
      String reason = !changed ? "as pinned" : torchReq.isEmpty() ? "not pinned by the project; the build for this target"
          : "CUDA " + torchCuda + " runs on driver " + target.driver() + (target.driverMaxCuda() == null ? "" : " (CUDA ≤ " + target.driverMaxCuda() + ")") + ", has kernels for " + gpuList(target) + (python == null ? "" : ", supports Python " + python);
      stack.put("torch", new Plan.Entry("torch", chosen.patch().version(), chosen.variant().cuda(), Torch.indexUrl(chosen.patch(), chosen.variant()), changed, true, reason));
      boolean nvidiaTarget = !target.gpus().isEmpty() || target.driver() != null;
      companion(project, chosen, pinned.orElse(null), "torchvision", Build::torchvision, stack, verdicts, nvidiaTarget);
      companion(project, chosen, pinned.orElse(null), "torchaudio", Build::torchaudio, stack, verdicts, nvidiaTarget);
    } else if (torchReq.isPresent()) {
      Requirement r = torchReq.get();
      boolean known = r.pinned() == null || pinned.isPresent();
      stack.put("torch", new Plan.Entry("torch", r.pinned() == null ? r.spec() : r.pinned(), r.local(), null, false, false,
          known ? "kept as written: no official build runs on this target" : "kept as pinned (not in the knowledge base)"));
    }
    Target.Toolkit toolkit = torchCuda == null ? null : toolkitFor(target, torchCuda);
    // bitsandbytes
    Optional<Requirement> bnb = project.get("bitsandbytes");
    if (bnb.isPresent() && torchCuda != null) {
      bitsandbytes(bnb.get(), chosen, pinned.orElse(null), toolkit, target, python, stack, verdicts);
    }
    // builders (a package listed by two files is planned once: the first mention wins)
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Requirement r : project.requirements()) {
      if (!seen.add(r.name())) {
        continue;
      }
      if (chosen == null && (r.name().equals("bitsandbytes") || BUILDERS.contains(r.name()))) {
        stack.put(r.name(), new Plan.Entry(r.name(), r.pinned() == null ? r.spec() : r.pinned(), null, null, false, false,
            "kept as written; not checked: it depends on torch's CUDA, and no torch build was chosen"));
        continue;
      }
      if (r.name().equals("deepspeed")) {
        deepspeed(r, torchCuda, toolkit, target, o.noBuild(), stack, verdicts);
      } else if (r.name().equals("flash-attn")) {
        flashAttn(r, chosen, toolkit, target, o, stack, verdicts);
      } else if (r.name().equals("xformers")) {
        xformers(r, chosen, stack, verdicts);
      } else if (r.name().equals("apex") && o.noBuild()) {
        verdicts.add(new Plan.Verdict("apex", r.spec(), false, List.of("NVCC_MISSING"),
            "NVIDIA Apex has no prebuilt CUDA wheels: it compiles CUDA code, which --no-build rules out (drop it, or allow the build)", r.origin()));
        stack.put("apex", new Plan.Entry("apex", r.pinned() == null ? r.spec() : r.pinned(), null, null, false, true, "needs a local CUDA build (ruled out by --no-build)"));
      } else if (r.name().equals("apex")) {
        boolean exact = toolkit != null && torchCuda != null && toolkit.release().equals(torchCuda);
        verdicts.add(new Plan.Verdict("apex", r.spec(), exact, exact ? List.of() : List.of("NVCC_TORCH_MINOR_MISMATCH"),
            exact ? "builds with the installed CUDA " + torchCuda : "Apex builds only with nvcc of exactly torch's CUDA " + torchCuda + (toolkit == null ? "; none is installed" : "; the best installed is " + toolkit.release()), r.origin()));
        stack.put("apex", new Plan.Entry("apex", r.pinned() == null ? r.spec() : r.pinned(), null, null, false, true, "built from source against torch's CUDA"));
      }
    }
    for (Requirement r : project.requirements()) {
      if (!stack.containsKey(r.name())) {
        stack.put(r.name(), new Plan.Entry(r.name(), r.url() != null ? r.url() : r.pinned() != null ? r.pinned() + (r.local() == null ? "" : "+" + r.local()) : r.spec(), null, null, false, false,
            "kept as the project pins it; not checked (the knowledge base does not cover it)"));
      }
    }
    // steps
    List<String> env = new ArrayList<>();
    List<String> commands = new ArrayList<>();
    if (toolkit != null && (builders || !target.toolkits().isEmpty())) {
      if (!toolkit.path().endsWith("(described)")) {
        env.add("export PATH=" + toolkit.path() + "/bin:$PATH");
        env.add("export LD_LIBRARY_PATH=" + toolkit.path() + "/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}");
        env.add("export CUDA_HOME=" + toolkit.path());
      } else {
        env.add("# put the CUDA " + toolkit.release() + " toolkit first on PATH and in CUDA_HOME");
      }
    } else if (builders && torchCuda != null) {
      commands.add("conda install -c nvidia cuda-toolkit=" + torchCuda + "   # nvcc for extension builds; then export CUDA_HOME=$CONDA_PREFIX");
    }
    Plan.Entry t = stack.get("torch");
    if (t != null && t.checked()) {
      StringBuilder c = new StringBuilder("pip install torch==" + t.version());
      for (String comp : List.of("torchvision", "torchaudio")) {
        Plan.Entry e = stack.get(comp);
        if (e != null) {
          c.append(' ').append(comp).append("==").append(e.version());
        }
      }
      c.append(" --index-url ").append(t.indexUrl());
      commands.add(c.toString());
    }
    List<String> rest = new ArrayList<>();
    for (Plan.Entry e : stack.values()) {
      if (List.of("torch", "torchvision", "torchaudio").contains(e.name()) || e.name().equals("apex")) {
        continue;
      }
      if (e.checked() && e.indexUrl() != null && e.version() != null && e.version().matches("^[0-9].*")) {
        commands.add("pip install " + e.name() + "==" + e.version() + " --index-url " + e.indexUrl()); // xformers: the build for torch's CUDA
        continue;
      }
      if (e.checked() && e.version() != null && !e.version().isBlank()) {
        rest.add(quote(e.name() + (e.version().matches("^[0-9].*") ? "==" + e.version() : e.version())));
      }
    }
    if (!rest.isEmpty()) {
      commands.add("pip install " + String.join(" ", rest));
    }
    if (!project.files().isEmpty()) {
      // pip cannot satisfy a project pin and a different constraint at once: the changed pins are named, to edit first.
      List<String> edit = new ArrayList<>();
      for (Plan.Entry e : stack.values()) {
        Optional<Requirement> r = project.get(e.name());
        if (e.changed() && r.isPresent() && !r.get().spec().isEmpty() && !allows(r.get(), e)) {
          edit.add(r.get().text() + " (" + r.get().origin() + ")");
        }
      }
      if (!edit.isEmpty()) {
        commands.add("# first change these pins in the project to the versions above (pip cannot satisfy them and the constraints together): " + String.join(", ", edit));
      }
      String req = project.files().stream().map(f -> java.nio.file.Path.of(f).getFileName().toString()).filter(f -> f.endsWith(".txt")).findFirst().orElse(null);
      boolean pyproject = project.files().stream().anyMatch(f -> f.endsWith("pyproject.toml") || f.endsWith("setup.py"));
      String install = req != null ? "pip install -r " + req : pyproject ? "pip install ." : "pip install <the project's other dependencies>";
      commands.add(install + " -c constraints.txt   # the rest, held to this plan (cudastack plan --write-constraints constraints.txt)");
    }
    String conda = null;
    if (t != null && t.checked() && chosen != null && Version.of(chosen.patch().version()).compareTo(Version.of("2.6")) < 0) {
      // pytorch-cuda packages exist from torch 1.13 (CUDA 11.6); older builds came with cudatoolkit
      conda = Version.of(chosen.patch().version()).compareTo(Version.of("1.13")) >= 0
          ? "conda install pytorch==" + chosen.patch().version() + " pytorch-cuda=" + torchCuda + " -c pytorch -c nvidia"
          : "conda install pytorch==" + chosen.patch().version() + " cudatoolkit=" + torchCuda + " -c pytorch";
    }
    return new Plan(target, project, verdicts, List.copyOf(stack.values()), env, commands, conda, notes);
  }

  /** The project without the requirements whose environment markers exclude a Linux x86-64 CPython of this version. */
  private static Project applicable(Project p, String python, List<String> notes) {
    List<Requirement> keep = new ArrayList<>();
    for (Requirement r : p.requirements()) {
      if (Markers.evaluate(r.marker(), python).orElse(true)) {
        keep.add(r);
      } else {
        notes.add(r.origin() + ": " + r.name() + " skipped: its marker (" + r.marker().strip() + ") excludes this target");
      }
    }
    if (keep.size() == p.requirements().size()) {
      return p;
    }
    return new Project(p.path(), p.files(), keep, p.indexUrls(), p.findLinks(), p.pythonRequires(), p.pythonPinned(), p.cudaHint(), p.cudaHintFrom(), p.notes());
  }

  private static String quote(String s) {
    return s.matches("[A-Za-z0-9._=+-]+") ? s : "'" + s + "'";
  }

  /**
   * Whether the project's own specifier already admits the planned version ("bitsandbytes>=0.45"
   * admits 0.50.*): then pip can satisfy both, and the pin need not be edited. A local label the
   * plan changes (+cu102 to +cu126) always needs the edit.
   */
  private static boolean allows(Requirement r, Plan.Entry e) {
    if (r.url() != null || r.pinned() != null || e.version() == null) {
      return false;
    }
    String v = e.version().replaceFirst("^==", "").replaceFirst("\\.\\*$", "");
    if (!v.matches("\\d+(\\.\\d+)*")) {
      return false;
    }
    Optional<VersionRange> range = VersionRange.parse(r.spec());
    return range.isPresent() && range.get().contains(Version.of(v));
  }

  private static String gpuList(Target t) {
    return t.gpus().isEmpty() ? "no GPU named" : String.join(", ", t.gpus().stream().map(g -> "sm_" + g.cc()).distinct().toList());
  }

  /** The build a pin names: its version and local label, else the index URL's variant, else the release's PyPI default. */
  private Optional<Build> pinnedBuild(Requirement r, Project p) throws KbException {
    if (r.pinned() == null) {
      return Optional.empty();
    }
    Optional<Torch.Match> m = kb.torch(r.pinned());
    if (m.isEmpty() || m.get().patch().isEmpty()) {
      return Optional.empty();
    }
    String variant = r.local();
    if (variant == null) {
      for (String u : p.indexUrls()) {
        String tail = u.replaceAll("/+$", "");
        tail = tail.substring(tail.lastIndexOf('/') + 1);
        if (Torch.cudaOf(tail) != null) {
          variant = tail;
        }
      }
    }
    if (variant == null && p.cudaHint() != null) {
      variant = Torch.variantOf(p.cudaHint());
    }
    if (variant == null) {
      variant = m.get().release().pypiDefault();
    }
    Optional<Torch.Variant> v = variant == null ? Optional.empty() : m.get().release().variant(variant);
    return v.map(x -> new Build(m.get().release(), m.get().patch().get(), x));
  }

  /** Why a build cannot run on the target: codes. */
  private List<String> problems(Build b, Target t, String python) throws KbException {
    List<String> codes = new ArrayList<>();
    KnowledgeBase.Outcome o = runs(b.variant().cudaVersion(), t);
    if (o == KnowledgeBase.Outcome.TOO_OLD) {
      codes.add("DRIVER_TOO_OLD");
    }
    Optional<ArchList> a = b.variant().archList();
    for (Target.Gpu g : t.gpus()) {
      // A CUDA release older than the GPU's architecture has no kernels for it in its own libraries
      // (cuBLAS, cuDNN), whatever PTX torch carries: an RTX 5090 needs a CUDA 12.8 build.
      boolean cudaTooOld = kb.archVerdict(b.variant().cudaVersion(), g.cc()).outcome() == KnowledgeBase.ArchOutcome.TOO_NEW;
      if (driverPredates(t, g) && !codes.contains("DRIVER_TOO_OLD")) {
        codes.add("DRIVER_TOO_OLD"); // the driver itself cannot run this GPU
      }
      if (cudaTooOld || a.isPresent() && (a.get().fit(g.cc()) == ArchList.Fit.NONE || a.get().fit(g.cc()) == ArchList.Fit.PTX_JIT && o != KnowledgeBase.Outcome.NATIVE)) {
        if (!codes.contains("GPU_ARCH_NOT_IN_BUILD")) {
          codes.add("GPU_ARCH_NOT_IN_BUILD");
        }
      }
    }
    if (python != null && !b.release().supportsPython(b.patch(), python)) {
      codes.add("PYTHON_UNSUPPORTED");
    }
    return codes;
  }

  private String describe(List<String> codes, Build b, Target t, String python) {
    List<String> out = new ArrayList<>();
    for (String c : codes) {
      switch (c) {
        case "PIN_NEEDS_INDEX" -> out.add("torch " + b.label() + " is not on PyPI: it needs --index-url " + Torch.indexUrl(b.patch(), b.variant()));
        case "DRIVER_TOO_OLD" -> out.add("driver " + t.driver() + " (CUDA " + t.driverMaxCuda() + ") cannot run CUDA " + b.variant().cudaVersion());
        case "GPU_ARCH_NOT_IN_BUILD" -> out.add("its kernels (" + b.variant().archList().map(ArchList::names).orElse("?") + ") do not cover " + gpuList(t));
        case "PYTHON_UNSUPPORTED" -> out.add("it supports Python " + b.release().pythonOf(b.patch()) + ", not " + python);
        default -> out.add(c);
      }
    }
    return String.join("; ", out);
  }

  private KnowledgeBase.Outcome runs(String cuda, Target t) throws KbException {
    if (t.driver() == null) {
      return KnowledgeBase.Outcome.UNKNOWN;
    }
    if (t.driverMaxCuda() != null && Version.of(cuda).compareTo(Version.of(t.driverMaxCuda())) <= 0) {
      return KnowledgeBase.Outcome.NATIVE;
    }
    return kb.runtimeOnDriver(cuda, t.driver()).outcome();
  }

  private Optional<Build> choose(Project p, Target t, String python, Options o, boolean builders, Requirement pin) throws KbException {
    record Scored(Build b, int[] key) {}
    List<Scored> all = new ArrayList<>();
    Version pinVersion = pin == null || pin.pinned() == null ? null : Version.parse(pin.pinned()).orElse(null);
    long pinMajor = pinVersion == null ? -1 : pinVersion.major();
    Optional<VersionRange> range = pin == null || pin.spec().isEmpty() ? Optional.empty() : VersionRange.parse(pin.spec());
    String cudaHint = p.cudaHint() == null ? null : Torch.variantOf(p.cudaHint());
    for (Torch.Release r : kb.torchReleases()) {
      if (!"VERIFIED".equals(r.evidence()) && !"SECONDARY".equals(r.evidence())) {
        continue;
      }
      Torch.Patch patch = r.patches().getLast();
      if (python != null ? !r.supportsPython(patch, python) : !anyPython(r, patch, p.pythonRequires())) {
        continue; // with no known Python, a release must still have wheels for a Python the project allows
      }
      for (Torch.Variant v : r.variantsOf(patch)) {
        if (v.experimental() || o.cuda() != null && !o.cuda().equals(v.cuda())) {
          continue;
        }
        Build b = new Build(r, patch, v);
        KnowledgeBase.Outcome run = runs(v.cudaVersion(), t);
        if (t.driver() != null && run != KnowledgeBase.Outcome.NATIVE && run != KnowledgeBase.Outcome.MINOR_COMPAT) {
          continue;
        }
        if (problems(b, t, python).stream().anyMatch(c -> !c.equals("PYTHON_UNSUPPORTED"))) {
          continue;
        }
        boolean inRange = range.isEmpty() || range.get().contains(Version.of(patch.version()));
        if (o.keepPins() && range.isPresent() && !inRange && pin.pinned() == null) {
          continue; // a range the project states is respected with --keep-pins
        }
        Target.Toolkit same = toolkitFor(t, v.cudaVersion());
        int toolkitFit = same == null ? 0 : same.release().equals(v.cudaVersion()) ? 2 : 1;
        int[] key = {
          dependents(b, p, t, python, builders).isEmpty() ? 1 : 0,
          sassForAll(b, t) ? 1 : 0,
          builders && !t.toolkits().isEmpty() ? (toolkitFit > 0 ? 1 : 0) : 0,
          run == KnowledgeBase.Outcome.NATIVE || run == KnowledgeBase.Outcome.UNKNOWN ? 1 : 0,
          inRange ? 1 : 0,
          o.newest() ? 0 : (pinMajor < 0 || Version.of(patch.version()).major() == pinMajor ? 1 : 0),
          cudaHint != null && cudaHint.equals(v.cuda()) ? 1 : 0,
          builders ? toolkitFit : 0,
          o.newest() || pinVersion == null ? 0 : -distance(Version.of(patch.version()), pinVersion),
        };
        all.add(new Scored(b, key));
      }
    }
    Comparator<Scored> order = (x, y) -> {
      for (int i = 0; i < x.key().length; i++) {
        if (x.key()[i] != y.key()[i]) {
          return Integer.compare(y.key()[i], x.key()[i]);
        }
      }
      int c = Version.of(y.b().patch().version()).compareTo(Version.of(x.b().patch().version()));
      return c != 0 ? c : Version.of(y.b().variant().cudaVersion()).compareTo(Version.of(x.b().variant().cudaVersion()));
    };
    return all.stream().sorted(order).map(Scored::b).findFirst();
  }

  /** Whether some CPython 3.x (3.6 to 3.15) is both allowed by the project's requires-python and served by the release. */
  private static boolean anyPython(Torch.Release r, Torch.Patch patch, String requires) {
    if (requires == null) {
      return true;
    }
    Optional<VersionRange> allowed = VersionRange.parse(requires);
    if (allowed.isEmpty()) {
      return true;
    }
    for (int minor = 6; minor <= 15; minor++) {
      String py = "3." + minor;
      if (allowed.get().contains(Version.of(py)) && r.supportsPython(patch, py)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the driver's CUDA release predates the GPU's architecture: such a driver does not support the GPU at all. */
  private boolean driverPredates(Target t, Target.Gpu g) throws KbException {
    return t.driverMaxCuda() != null && kb.archVerdict(t.driverMaxCuda(), g.cc()).outcome() == KnowledgeBase.ArchOutcome.TOO_NEW;
  }

  /** Whether the build carries machine code (not only PTX to JIT) for every GPU of the target. */
  private static boolean sassForAll(Build b, Target t) {
    Optional<ArchList> a = b.variant().archList();
    return a.isEmpty() || t.gpus().stream().allMatch(g -> a.get().fit(g.cc()) != ArchList.Fit.PTX_JIT);
  }

  /** How far a release is from the pinned one, in minor releases (majors count 100). */
  private static int distance(Version a, Version b) {
    return (int) Math.abs((a.major() * 100 + a.minor()) - (b.major() * 100 + b.minor()));
  }

  /**
   * What a torch build would break further up the stack on this target: no bitsandbytes release
   * ships a binary for its CUDA; a package that compiles CUDA code (DeepSpeed, Apex, flash-attn,
   * xformers from source) finds no installed nvcc of its CUDA major, or that nvcc rejects the host
   * gcc or cannot compile for the GPU.
   */
  private List<String> dependents(Build b, Project p, Target t, String python, boolean builders) throws KbException {
    List<String> codes = new ArrayList<>();
    String cuda = b.variant().cudaVersion();
    if (p.get("bitsandbytes").isPresent() && pick(Optional.empty(), b, null, python) == null) {
      codes.add("BNB_BINARY_MISSING");
    }
    if (builders && !t.toolkits().isEmpty()) {
      Target.Toolkit tk = toolkitFor(t, cuda);
      if (tk == null) {
        codes.add("NVCC_TORCH_MAJOR_MISMATCH");
      } else {
        if (t.gccMajor() != null) {
          Optional<KnowledgeBase.CompilerLimit> lim = kb.hostCompiler(tk.release());
          if (lim.isPresent() && lim.get().row().gccMax() != null && t.gccMajor() > lim.get().row().gccMax()) {
            codes.add("HOST_COMPILER_TOO_NEW");
          }
        }
        for (Target.Gpu g : t.gpus()) {
          KnowledgeBase.ArchOutcome a = kb.archVerdict(tk.release(), g.cc()).outcome();
          if ((a == KnowledgeBase.ArchOutcome.TOO_NEW || a == KnowledgeBase.ArchOutcome.TOO_OLD) && !codes.contains("GPU_ARCH_TOO_NEW_FOR_TOOLKIT") && !codes.contains("GPU_ARCH_TOO_OLD_FOR_TOOLKIT")) {
            codes.add(a == KnowledgeBase.ArchOutcome.TOO_NEW ? "GPU_ARCH_TOO_NEW_FOR_TOOLKIT" : "GPU_ARCH_TOO_OLD_FOR_TOOLKIT");
          }
        }
      }
    }
    return codes;
  }

  private String describeDependents(List<String> codes, Build b, Target t) throws KbException {
    List<String> out = new ArrayList<>();
    String cuda = b.variant().cudaVersion();
    Target.Toolkit tk = toolkitFor(t, cuda);
    for (String c : codes) {
      switch (c) {
        case "BNB_BINARY_MISSING" -> out.add("no bitsandbytes release that selects its binary by torch's CUDA ships libbitsandbytes_cuda" + Torch.variantOf(cuda).substring(2) + ".so");
        case "NVCC_TORCH_MAJOR_MISMATCH" -> out.add("the packages that compile CUDA code need an nvcc of CUDA " + Version.of(cuda).major() + ".x, and the target has only "
            + String.join(", ", t.toolkits().stream().map(Target.Toolkit::release).toList()));
        case "HOST_COMPILER_TOO_NEW" -> out.add("nvcc " + tk.release() + " accepts gcc up to " + kb.hostCompiler(tk.release()).map(l -> String.valueOf(l.row().gccMax())).orElse("?")
            + ", the target's gcc is " + t.gccMajor());
        case "GPU_ARCH_TOO_NEW_FOR_TOOLKIT" -> out.add("nvcc " + tk.release() + " cannot compile for " + gpuList(t));
        case "GPU_ARCH_TOO_OLD_FOR_TOOLKIT" -> out.add("nvcc " + tk.release() + " no longer compiles for " + gpuList(t));
        default -> out.add(c);
      }
    }
    return String.join("; ", out);
  }

  /** The installed toolkit of the same CUDA major (the exact minor first, else the nearest newer, else any), or null. */
  static Target.Toolkit toolkitFor(Target t, String cuda) {
    Version want = Version.of(cuda);
    Target.Toolkit best = null;
    for (Target.Toolkit tk : t.toolkits()) {
      Version v = Version.of(tk.release());
      if (v.major() != want.major()) {
        continue;
      }
      if (best == null || Math.abs(v.minor() - want.minor()) < Math.abs(Version.of(best.release()).minor() - want.minor())) {
        best = tk;
      }
    }
    return best;
  }

  /**
   * torchvision/torchaudio: judged as written against the pinned torch (a pair that goes together is
   * fine as written), then set to the release that goes with the chosen torch.
   */
  private void companion(Project p, Build chosen, Build pinnedTorch, String name, java.util.function.Function<Build, String> of, Map<String, Plan.Entry> stack,
      List<Plan.Verdict> verdicts, boolean nvidiaTarget) {
    Optional<Requirement> r = p.get(name);
    String version = of.apply(chosen);
    if (r.isEmpty() || version == null) {
      return;
    }
    String asWritten = pinnedTorch == null ? null : of.apply(pinnedTorch);
    String pin = r.get().pinned();
    Optional<VersionRange> range = r.get().spec().isEmpty() ? Optional.empty() : VersionRange.parse(r.get().spec());
    boolean fitsPinnedTorch = pin == null || asWritten == null || pin.equals(asWritten);
    String why = pin != null && asWritten != null
        ? (fitsPinnedTorch ? "goes with torch " + pinnedTorch.patch().version() + " as pinned" : name + " " + pin + " is not the release for torch " + pinnedTorch.patch().version() + " (that is " + asWritten + ")")
        : range.isPresent() ? (range.get().contains(Version.of(version)) ? "the range allows " + version + ", the release for torch " + chosen.patch().version()
            : "the range excludes " + version + ", the release for torch " + chosen.patch().version()) : "resolved with torch";
    boolean ok = asWritten != null ? fitsPinnedTorch : range.isEmpty() || range.get().contains(Version.of(version));
    List<String> codes = ok ? List.of() : List.of("EXTENSION_TORCH_MISMATCH");
    if (nvidiaTarget && Torch.nonCudaLabel(r.get().local())) {
      ok = false;
      codes = List.of("TORCH_CPU_ONLY");
      why = name + " " + pin + "+" + r.get().local() + " is built for a torch without CUDA; the plan takes " + version + ", the release for torch " + chosen.patch().version();
    }
    verdicts.add(new Plan.Verdict(name, r.get().spec() + (r.get().local() == null ? "" : "+" + r.get().local()), ok, codes, why, r.get().origin()));
    boolean same = version.equals(pin) && !Torch.nonCudaLabel(r.get().local());
    stack.put(name, new Plan.Entry(name, version, chosen.variant().cuda(), Torch.indexUrl(chosen.patch(), chosen.variant()), !same, true,
        same ? "as pinned" : "the release that goes with torch " + chosen.patch().version()));
  }

  /**
   * bitsandbytes: the pin is judged with torch as pinned (the project as written), then kept if it
   * also serves the planned torch, else replaced by the newest release (inside the project's range,
   * if it gives one) that ships the binary the planned stack will load. A pin the knowledge base
   * does not know is kept and marked not checked.
   */
  private void bitsandbytes(Requirement r, Build planned, Build pinnedTorch, Target.Toolkit toolkit, Target target, String python, Map<String, Plan.Entry> stack,
      List<Plan.Verdict> verdicts) throws KbException {
    Optional<Bnb.Release> pinned = r.pinned() == null ? Optional.empty() : kb.bnb(r.pinned());
    if (r.pinned() != null && pinned.isEmpty()) {
      verdicts.add(new Plan.Verdict("bitsandbytes", r.spec(), true, List.of(), "bitsandbytes " + r.pinned() + " is not in the knowledge base: kept, not checked", r.origin()));
      stack.put("bitsandbytes", new Plan.Entry("bitsandbytes", r.pinned(), null, null, false, false, "kept as pinned (not in the knowledge base)"));
      return;
    }
    Optional<VersionRange> range = r.pinned() != null || r.spec().isEmpty() ? Optional.empty() : VersionRange.parse(r.spec());
    String digits = Torch.variantOf(planned.variant().cudaVersion()).substring(2);
    List<String> codes = new ArrayList<>();
    String why;
    boolean ok;
    if (pinned.isPresent()) {
      Build judge = pinnedTorch != null ? pinnedTorch : planned;
      Target.Toolkit tk = judge == planned ? toolkit : toolkitFor(target, judge.variant().cudaVersion());
      String problem = bnbProblem(pinned.get(), r.pinned(), judge, tk, python);
      ok = problem == null;
      why = ok ? "bitsandbytes " + r.pinned() + " ships " + bnbLoads(pinned.get(), judge, tk) + " for torch " + judge.label() : problem;
      if (!ok) {
        codes.add("BNB_BINARY_MISSING");
      }
    } else {
      ok = pick(range, planned, toolkit, python) != null;
      why = ok ? (range.isPresent() ? "the range " + r.spec() + " has" : "not pinned; there is") + " a release with libbitsandbytes_cuda" + digits + ".so"
          : "no release" + (range.isPresent() ? " in " + r.spec() : "") + " ships libbitsandbytes_cuda" + digits + ".so for torch " + planned.label();
      if (!ok) {
        codes.add("BNB_BINARY_MISSING");
      }
    }
    verdicts.add(new Plan.Verdict("bitsandbytes", r.spec(), ok, codes, why, r.origin()));
    if (pinned.isPresent() && bnbProblem(pinned.get(), r.pinned(), planned, toolkit, python) == null) {
      stack.put("bitsandbytes", new Plan.Entry("bitsandbytes", r.pinned(), bnbLoads(pinned.get(), planned, toolkit).replaceAll("^libbitsandbytes_(cuda\\d+)\\.so$", "$1"), null, false, true,
          pinnedTorch != null && pinnedTorch != planned && !pinnedTorch.label().equals(planned.label()) ? "kept: it also ships " + bnbLoads(pinned.get(), planned, toolkit) : "as pinned"));
      return;
    }
    Bnb.Release pick = pick(range, planned, toolkit, python);
    if (pick != null) {
      String v = pick.versions().replaceAll("^>=([0-9.]+),<.*$", "$1").replaceAll("^==", "");
      String version = v.matches("\\d+\\.\\d+") ? v + ".*" : v;
      stack.put("bitsandbytes", new Plan.Entry("bitsandbytes", "==" + version, "cuda" + digits, null, true, true,
          "the newest release" + (range.isPresent() ? " in " + r.spec() : "") + " that ships libbitsandbytes_cuda" + digits + ".so" + (python == null ? "" : " for Python " + python)
              + " and torch " + planned.patch().version()));
    } else {
      stack.put("bitsandbytes", new Plan.Entry("bitsandbytes", r.pinned() == null ? r.spec() : r.pinned(), null, null, false, true,
          "no release ships libbitsandbytes_cuda" + digits + ".so: it will fall back to the CPU or fail"));
    }
  }

  /** The binary a release loads with this torch and toolkit first on the loader path. */
  private static String bnbLoads(Bnb.Release b, Build torch, Target.Toolkit tk) {
    String digits = b.selection().equals("libcudart") ? tk == null ? null : Torch.variantOf(tk.release()).substring(2) : Torch.variantOf(torch.variant().cudaVersion()).substring(2);
    return digits == null ? "no binary" : "libbitsandbytes_cuda" + digits + ".so";
  }

  /** Why a release cannot serve this torch (null when it can). Before 0.41 the binary follows the first libcudart on the loader path, not torch. */
  private static String bnbProblem(Bnb.Release b, String version, Build torch, Target.Toolkit tk, String python) {
    boolean byLibcudart = b.selection().equals("libcudart");
    if (byLibcudart && tk == null) {
      return "bitsandbytes " + version + " picks its binary by the first libcudart on the loader path, not by torch, and the target has no CUDA " + torch.variant().cudaVersion()
          + " toolkit to put first";
    }
    String digits = byLibcudart ? Torch.variantOf(tk.release()).substring(2) : Torch.variantOf(torch.variant().cudaVersion()).substring(2);
    if (!b.binaries().contains(digits)) {
      return "bitsandbytes " + version + " ships no libbitsandbytes_cuda" + digits + ".so" + (byLibcudart ? " (it follows the first libcudart: CUDA " + tk.release() + ")" : " for torch " + torch.label())
          + " (it has " + String.join(" ", b.binaries().stream().map(d -> "cuda" + d).toList()) + ")";
    }
    if (!fits(b, python, torch)) {
      return "bitsandbytes " + version + " does not support " + (python == null ? "" : "Python " + python + " or ") + "torch " + torch.patch().version();
    }
    return null;
  }

  /** The newest release (in the range, if any) that selects its binary by torch and ships one for the planned torch's CUDA. */
  private Bnb.Release pick(Optional<VersionRange> range, Build planned, Target.Toolkit tk, String python) throws KbException {
    for (Bnb.Release b : kb.bnbReleases().reversed()) {
      String first = b.versions().replaceAll("^(>=|==)([0-9.]+).*$", "$2");
      if (range.isPresent() && Version.parse(first).map(v -> !range.get().contains(v)).orElse(true)) {
        continue;
      }
      if (b.selection().equals("torch") && bnbProblem(b, first, planned, tk, python) == null) {
        return b;
      }
    }
    return null;
  }

  private static boolean fits(Bnb.Release b, String python, Build torch) {
    if (python != null && b.python() != null && !VersionRange.of(b.python()).contains(Version.of(python))) {
      return false;
    }
    return b.torch() == null || VersionRange.of(b.torch()).contains(Version.of(torch.patch().version()));
  }

  private void deepspeed(Requirement r, String torchCuda, Target.Toolkit tk, Target t, boolean noBuild, Map<String, Plan.Entry> stack, List<Plan.Verdict> verdicts)
      throws KbException {
    if (torchCuda == null) {
      return;
    }
    if (noBuild) {
      String why = "installs without compiling (DS_BUILD_OPS=0, the default); its CUDA ops (fused Adam, fused LAMB, the transformer kernels) are compiled with nvcc at first use,"
          + " which --no-build rules out: use the ops that need no build";
      verdicts.add(new Plan.Verdict("deepspeed", r.spec(), true, List.of(), why, r.origin()));
      stack.put("deepspeed", new Plan.Entry("deepspeed", r.pinned() == null ? r.spec() : r.pinned(), null, null, false, true, why));
      return;
    }
    List<String> codes = new ArrayList<>();
    String why;
    String version = r.pinned();
    if (tk == null) {
      codes.add(t.toolkits().isEmpty() ? "NVCC_MISSING" : "NVCC_TORCH_MAJOR_MISMATCH");
      why = "DeepSpeed builds its ops with nvcc of torch's CUDA major (" + torchCuda + "); " + (t.toolkits().isEmpty() ? "no toolkit is installed" : "none of the installed toolkits has it");
    } else {
      Optional<Gates.DeepSpeedAllowList> allow = version == null ? Optional.empty() : kb.deepspeed(version);
      if (allow.isPresent() && !allow.get().accepts(tk.release(), torchCuda)) {
        codes.add("NVCC_TORCH_MINOR_MISMATCH");
        String fixed = null;
        for (Gates.DeepSpeedAllowList a : kb.deepspeedAllowLists()) {
          if (a.accepts(tk.release(), torchCuda)) {
            fixed = a.versions().replaceAll("^>=([0-9.]+).*$", "$1");
            break;
          }
        }
        why = "DeepSpeed " + version + " refuses nvcc " + tk.release() + " with torch's CUDA " + torchCuda + (fixed == null ? " (set DS_SKIP_CUDA_CHECK=1)" : "; " + fixed + " and later accept it");
        if (fixed != null && fixed.matches("[0-9.]+")) {
          stack.put("deepspeed", new Plan.Entry("deepspeed", fixed, null, null, true, true, "the first DeepSpeed whose allow-list accepts nvcc " + tk.release() + " with torch " + torchCuda));
        }
      } else {
        why = "builds its ops with nvcc " + tk.release() + " (" + tk.path() + ") for torch's CUDA " + torchCuda;
      }
    }
    verdicts.add(new Plan.Verdict("deepspeed", r.spec(), codes.isEmpty(), codes, why, r.origin()));
    stack.putIfAbsent("deepspeed", new Plan.Entry("deepspeed", version == null ? r.spec() : version, null, null, false, true, codes.isEmpty() ? "as pinned" : why));
  }

  private void flashAttn(Requirement r, Build torch, Target.Toolkit tk, Target t, Options o, Map<String, Plan.Entry> stack, List<Plan.Verdict> verdicts) throws KbException {
    List<String> codes = new ArrayList<>();
    String why;
    boolean old = t.gpus().stream().anyMatch(g -> g.cc() < 80);
    if (old) {
      codes.add("GPU_ARCH_NOT_IN_BUILD");
      why = "flash-attn 2 supports Ampere and newer (compute capability 8.0+); " + gpuList(t) + " is older";
    } else if (torch == null) {
      why = "torch unknown: not checked";
    } else {
      String torchMinor = Version.of(torch.patch().version()).major() + "." + Version.of(torch.patch().version()).minor();
      String cudaMajor = String.valueOf(Version.of(torch.variant().cudaVersion()).major());
      Optional<Version> pin = r.pinned() == null ? Optional.empty() : Version.parse(r.pinned());
      Optional<Gates.FlashAttnWheels> wheel = kb.flashAttnWheels().stream().filter(w -> w.wheelTorch().contains(torchMinor)
          && w.wheelCuda().stream().anyMatch(c -> c.startsWith(cudaMajor + "."))
          && pin.map(v -> VersionRange.parse(w.versions()).map(x -> x.contains(v)).orElse(false)).orElse(true)).reduce((a, b) -> b);
      if (wheel.isPresent()) {
        why = "a prebuilt wheel exists (flash-attn " + wheel.get().versions() + " for torch " + torchMinor + ", CUDA " + cudaMajor + ")";
      } else if (o.noBuild()) {
        codes.add("NVCC_MISSING");
        why = "no prebuilt wheel for torch " + torchMinor + " and CUDA " + cudaMajor + ", and --no-build";
      } else if (tk == null) {
        codes.add("NVCC_MISSING");
        why = "no prebuilt wheel for torch " + torchMinor + " / CUDA " + cudaMajor + "; a local build needs nvcc ≥ 11.7 of torch's CUDA major, and none is installed";
      } else {
        why = "built locally with nvcc " + tk.release() + " (no prebuilt wheel for torch " + torchMinor + " / CUDA " + cudaMajor + ")";
      }
    }
    verdicts.add(new Plan.Verdict("flash-attn", r.spec(), codes.isEmpty(), codes, why, r.origin()));
    stack.put("flash-attn", new Plan.Entry("flash-attn", r.pinned() == null ? r.spec() : r.pinned(), null, null, false, true, why));
  }

  private void xformers(Requirement r, Build torch, Map<String, Plan.Entry> stack, List<Plan.Verdict> verdicts) throws KbException {
    if (torch == null) {
      return;
    }
    String tv = torch.patch().version();
    Optional<Gates.XformersRelease> forTorch = kb.xformers().stream().filter(x -> tv.equals(x.torch()) || tv.startsWith(x.torch() + ".")).reduce((a, b) -> b);
    Optional<Gates.XformersRelease> pinned = r.pinned() == null ? Optional.empty()
        : kb.xformers().stream().filter(x -> Version.parse(r.pinned()).map(v -> VersionRange.of(x.versions()).contains(v)).orElse(false)).findFirst();
    if (r.pinned() != null && pinned.isEmpty()) {
      verdicts.add(new Plan.Verdict("xformers", r.spec(), true, List.of(), "xformers " + r.pinned() + " is not in the knowledge base: kept, not checked", r.origin()));
      stack.put("xformers", new Plan.Entry("xformers", r.pinned(), null, null, false, false, "kept as pinned (not in the knowledge base)"));
      return;
    }
    boolean ok = pinned.isPresent() && (tv.equals(pinned.get().torch()) || tv.startsWith(pinned.get().torch() + "."));
    verdicts.add(new Plan.Verdict("xformers", r.spec(), ok || pinned.isEmpty() && r.pinned() == null, ok ? List.of() : pinned.isPresent() ? List.of("EXTENSION_TORCH_MISMATCH") : List.of(),
        ok ? "built for torch " + tv : pinned.map(x -> "xformers " + r.pinned() + " is built for torch " + x.torch() + ", not " + tv).orElse("not in the knowledge base"), r.origin()));
    if (!ok && forTorch.isPresent()) {
      String v = forTorch.get().versions().replaceAll("^==", "").replaceAll("^>=([0-9a-z.]+),.*$", "$1");
      stack.put("xformers", new Plan.Entry("xformers", v, null, Torch.indexUrl(torch.patch(), torch.variant()), true, true, "the xformers release built for torch " + tv));
    } else if (ok) {
      stack.put("xformers", new Plan.Entry("xformers", r.pinned(), null, null, false, true, "as pinned"));
    }
  }
}
