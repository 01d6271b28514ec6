package dev.cudastack.explain;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.LogSignature;
import dev.cudastack.kb.Torch;
import dev.cudastack.kb.Version;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What one log's matched lines mean, for one explanation: each matched signature's reasoning (its
 * kind) turns a line into signals (a code, a confidence, an explanation); facts from environment
 * reports are kept and checked together against the knowledge base at the end; the causal rules
 * run; the signals of one code become one cause. The {@link Explainer} finds the lines.
 */
final class Reasoner {
  private static final int LINES_PER_CAUSE = 5;
  /** A fact longer than this (a version, a driver, a GPU name) is not one. */
  private static final int MAX_FACT = 200;
  /** The shared library an error line names ("/x/torch/lib/../../nvidia/cublas/lib/libcublas.so.11:"). */
  private static final Pattern LIB_PATH = Pattern.compile("(?<![^\\s:'\"])(/[^\\s:'\"]++):");
  private static final Pattern SHARED_OBJECT = Pattern.compile("\\.so[.\\d]*$");
  /** A source location on the line of a CUDA error ("…/ggml-cuda.cu:1835"), not a glog prefix ("manager.cc:899]"). */
  private static final Pattern SOURCE = Pattern.compile("(?<![\\w./~+\\\\-])([\\w./~+-]++):\\d++(?![\\d\\]])");
  private static final Pattern SOURCE_FILE = Pattern.compile("\\.(?:cu|cuh|cpp|cc|cxx|c|h|hpp|rs)$");
  /** Where a user builds: home directories, pip's source builds, cargo's checkouts. */
  private static final Pattern LOCAL_BUILD = Pattern.compile("^(?:/home/|/root/|/Users/|/tmp/pip-|~/)|/\\.cargo/");
  /** Where prebuilt binaries are compiled: CI runners, wheel and conda builders, torch's own sources. */
  private static final Pattern PREBUILT = Pattern.compile("/home/runner/work/|^/__w/|^/project/|^/io/|^/go/src/|^/workspace/|feedstock_root|conda-bld|^/pytorch/|aten/src/|c10/|torch/csrc/");

  /** A fact an environment report printed, with its line and the signature that read it. */
  private record Fact(String value, Explanation.Line line, String signature) {}

  /** One signal: a code with a confidence from one signature on one line. */
  private record Signal(String code, double confidence, String explanation, String signature, Explanation.Line line) {}

  /** The causes once worked out (the reasoning adds signals, so it runs once). */
  private List<Explanation.Cause> done;
  private final KnowledgeBase kb;
  private final Map<String, String> fixes;
  private final List<Signal> signals = new ArrayList<>();
  private final Map<String, Set<String>> libVersions = new TreeMap<>();
  private final Map<String, Explanation.Line> libLines = new LinkedHashMap<>();
  /** The GPU a torch capability warning named (sm number) and the arch list it printed. */
  private Integer capability;
  private Explanation.Line capabilityLine;
  private List<Integer> supported;
  /**
   * Facts that environment reports print (nvcc -V, torch's collect_env, ds_report, nvidia-smi,
   * /proc/driver/nvidia/version), by name: torch, torchcuda, nvcc, driver, gpu. The last one
   * printed wins.
   */
  private final Map<String, Fact> facts = new LinkedHashMap<>();
  /** The signatures of kind no-native: bitsandbytes without any native library. */
  private final Set<String> noNativeSignatures;
  /** Every nvcc release the log printed, first line of each. */
  private final Map<String, Fact> nvccs = new LinkedHashMap<>();

  Reasoner(KnowledgeBase kb, List<LogSignature> signatures, Map<String, String> fixes) {
    this.kb = kb;
    this.fixes = fixes;
    this.noNativeSignatures = signatures.stream().filter(x -> "no-native".equals(x.kind())).map(LogSignature::id).collect(Collectors.toSet());
  }

  /** One signature matched on a line ({@code full}: the whole line; the one shown is cut at 300 characters). */
  void add(LogSignature s, Matcher m, String explanation, Explanation.Line line, String full) {
    signals.addAll(reason(s, m, explanation, line, full));
  }

  /** The causes, most likely first, after the reasoning over facts and the causal rules. */
  List<Explanation.Cause> causes() {
    if (done != null) {
      return done;
    }
    derive();
    overrideCausesMissingBinary();
    if (capability != null && supported != null && !supported.isEmpty() && capability > supported.stream().mapToInt(Integer::intValue).max().orElse(0)) {
      signals.add(new Signal("GPU_ARCH_TOO_NEW_FOR_TOOLKIT", 0.6, "The GPU (sm_" + capability + ") is newer than every architecture this torch was built for (up to sm_"
          + supported.stream().mapToInt(Integer::intValue).max().orElse(0) + "): the CUDA it was built with may predate the GPU, so a build with a newer CUDA is needed.",
          "torch-capability", capabilityLine));
    }
    for (Map.Entry<String, Set<String>> e : libVersions.entrySet()) {
      if (e.getValue().size() > 1) {
        signals.add(new Signal("LIBRARY_SHADOWED", 0.7, "Several versions of " + e.getKey() + " are on this machine (" + String.join(", ", e.getValue())
            + "): the loader may pick another than the program was built with.", "lib-versions", libLines.get(e.getKey())));
      }
    }
    Map<String, List<Signal>> byCode = new LinkedHashMap<>();
    for (Signal s : signals) {
      byCode.computeIfAbsent(s.code(), k -> new ArrayList<>()).add(s);
    }
    List<Explanation.Cause> causes = new ArrayList<>();
    for (Map.Entry<String, List<Signal>> e : byCode.entrySet()) {
      List<Signal> sigs = e.getValue();
      Signal best = sigs.stream().max(Comparator.comparingDouble(Signal::confidence)).orElseThrow();
      Set<String> ids = new LinkedHashSet<>();
      List<Explanation.Line> lines = new ArrayList<>();
      Set<Long> seen = new LinkedHashSet<>();
      for (Signal s : sigs) {
        ids.add(s.signature());
        if (lines.size() < LINES_PER_CAUSE && seen.add(s.line().number())) {
          lines.add(s.line());
        }
      }
      lines.sort(Comparator.comparingLong(Explanation.Line::number));
      double conf = Math.min(0.99, best.confidence() + 0.01 * (ids.size() - 1));
      causes.add(new Explanation.Cause(e.getKey(), Math.round(conf * 100) / 100.0, lines, best.explanation(), fixes.get(e.getKey()), List.copyOf(ids), null));
    }
    causes.sort(Comparator.comparingDouble(Explanation.Cause::confidence).reversed().thenComparingLong(c -> c.lines().getFirst().number()));
    done = List.copyOf(causes);
    return done;
  }

  /**
   * Causes that follow from the facts an environment report printed, checked against the
   * knowledge base: they rank below an error message that names its cause, and above guesses.
   */
  private void derive() {
    Fact torch = facts.get("torch");
    Fact torchCuda = facts.get("torchcuda");
    Fact driver = facts.get("driver");
    Fact nvcc = facts.get("nvcc");
    Fact gpu = facts.get("gpu");
    String local = torch == null ? null : Version.parse(torch.value()).map(Version::local).orElse(null);
    String cuda = torchCuda != null ? torchCuda.value() : local != null && local.matches("cu\\d{3,}") ? local.substring(2, local.length() - 1) + "." + local.substring(local.length() - 1) : null;
    Fact cudaFact = torchCuda != null ? torchCuda : torch;
    boolean rocm = facts.containsKey("torchhip") || local != null && local.startsWith("rocm");
    try {
      if (rocm) {
        cuda = null; // a ROCm build on an AMD machine: not this tool's stack
      } else if (local != null && local.startsWith("cpu")) {
        derived("TORCH_CPU_ONLY", 0.7, "The report says torch is " + torch.value() + ", a build without CUDA: it cannot use the GPU.", torch);
        cuda = null;
      } else if ("None".equals(cuda)) {
        derived("TORCH_CPU_ONLY", 0.7, "The report says torch was built without CUDA (CUDA version None): it cannot use the GPU.", cudaFact);
        cuda = null;
      }
      if (cuda != null && driver != null) {
        KnowledgeBase.RuntimeVerdict v = kb.runtimeOnDriver(cuda, driver.value());
        if (v.outcome() == KnowledgeBase.Outcome.TOO_OLD) {
          derived("DRIVER_TOO_OLD", 0.72, "torch's CUDA " + cuda + " against driver " + driver.value() + ": " + v.explanation() + ".", cudaFact, driver);
        }
      }
      if (nvcc != null && driver != null && kb.runtimeOnDriver(nvcc.value(), driver.value()).outcome() == KnowledgeBase.Outcome.TOO_OLD) {
        derived("TOOLKIT_NEWER_THAN_DRIVER", 0.6, "nvcc " + nvcc.value() + " is newer than driver " + driver.value() + " runs: " + kb.runtimeOnDriver(nvcc.value(), driver.value()).explanation() + ".", nvcc, driver);
      }
      if (gpu != null && torch != null) {
        Optional<KnowledgeBase.GpuModel> model = kb.gpu(gpu.value());
        Optional<ArchList> archs = kb.torch(torch.value()).flatMap(Torch.Match::variant).flatMap(Torch.Variant::archList);
        if (model.isPresent() && archs.isPresent()) {
          int cc = Version.parse(model.get().computeCapability()).map(c -> (int) (c.major() * 10 + c.minor())).orElse(-1);
          if (cc > 0 && archs.get().fit(cc) == ArchList.Fit.NONE) {
            derived("GPU_ARCH_NOT_IN_BUILD", 0.72, gpu.value() + " (sm_" + cc + ") is not among torch " + torch.value() + "'s architectures (" + archs.get().names() + ").", gpu, torch);
          }
        }
      }
      if (nvccs.size() > 1) {
        derived("WRONG_NVCC_ON_PATH", 0.6, "The log shows several CUDA toolkits (nvcc " + String.join(", ", nvccs.keySet())
            + "): builds use the first one PATH and CUDA_HOME lead to, which may not be the one intended.", nvccs.values().toArray(Fact[]::new));
      }
      if (nvcc != null && cuda != null) {
        Optional<Version> n = Version.parse(nvcc.value());
        Optional<Version> t = Version.parse(cuda);
        if (n.isPresent() && t.isPresent() && n.get().major() != t.get().major()) {
          derived("NVCC_TORCH_MAJOR_MISMATCH", 0.45, "nvcc " + nvcc.value() + " and torch's CUDA " + cuda + " differ in major version: extension builds will refuse.", nvcc, cudaFact);
        }
      }
    } catch (KbException e) {
      // a knowledge base that cannot be read derives nothing; the signatures still speak
    }
  }

  /**
   * A BNB_CUDA_VERSION override chose the binary that bitsandbytes then misses: the override is the
   * cause, unless bitsandbytes has no native library at all (then nothing it could pick exists).
   */
  private void overrideCausesMissingBinary() {
    Signal override = signals.stream().filter(x -> x.code().equals("BNB_CUDA_VERSION_OVERRIDE")).findFirst().orElse(null);
    boolean missing = signals.stream().anyMatch(x -> x.code().equals("BNB_BINARY_MISSING"));
    boolean noNative = signals.stream().anyMatch(x -> noNativeSignatures.contains(x.signature()));
    if (override != null && missing && !noNative) {
      signals.add(new Signal(override.code(), 0.97, "BNB_CUDA_VERSION chose the bitsandbytes binary that is missing; without the override bitsandbytes loads the one for torch's CUDA.",
          override.signature(), override.line()));
    }
  }

  private void derived(String code, double confidence, String explanation, Fact... from) {
    for (Fact f : from) {
      signals.add(new Signal(code, confidence, explanation, f.signature(), f.line()));
    }
  }

  /** The codes a matched signature points to, after its kind's reasoning ({@code full}: the whole line; the one shown is cut at 300 characters). */
  private List<Signal> reason(LogSignature s, Matcher m, String explanation, Explanation.Line line, String full) {
    List<Signal> out = new ArrayList<>();
    String kind = s.kind() == null ? "" : s.kind();
    switch (kind) {
      case "versions-torch", "versions-ds" -> versions(Version.parse(m.group("nvcc")).orElse(null), Version.parse(m.group("torch")).orElse(null), kind, s, explanation, line, out);
      case "versions-apex" -> {
        // Apex prints nvcc's own `-V` output before the error and names only torch's CUDA.
        String torch = m.group("torch");
        Version nvcc = facts.containsKey("nvcc") ? Version.parse(facts.get("nvcc").value()).orElse(null) : null;
        Version t = torch == null ? null : Version.parse(torch).orElse(null);
        if (nvcc != null && t != null && nvcc.major() == t.major() && nvcc.minor() == t.minor()) {
          // the nvcc printed matches, yet Apex refused: it compiled with another one
          out.add(new Signal("WRONG_NVCC_ON_PATH", 0.85, explanation + " The nvcc the log printed (" + nvcc + ") matches torch's CUDA " + torch
              + ", yet Apex refused: it found another toolkit (CUDA_HOME before PATH).", s.id(), line));
          out.add(new Signal(s.code(), 0.6, explanation, s.id(), line));
          break;
        }
        versions(nvcc, t, kind, s,
            nvcc == null || torch == null ? explanation : explanation + " nvcc " + nvcc + " (from its -V output earlier in the log) against torch's CUDA " + torch + ".",
            line, out);
      }
      case "ptx" -> {
        // Error 222 names who built the PTX when the error carries a source location: a local
        // build means the user's own toolkit is newer than the driver (rebuild with an older one
        // or upgrade the driver); a wheel's CI path or no location means a prebuilt binary.
        String where = null;
        Matcher src = SOURCE.matcher(full);
        while (where == null && src.find()) {
          if (SOURCE_FILE.matcher(src.group(1)).find()) {
            where = src.group(1);
          }
        }
        if (where != null && localBuild(where)) {
          out.add(new Signal("TOOLKIT_NEWER_THAN_DRIVER", 0.96, explanation + " The failing code was compiled from " + where
              + " on this machine, not shipped prebuilt: the toolkit that produced its PTX is newer than the driver.", s.id(), line));
          out.add(new Signal(s.code(), 0.9, explanation, s.id(), line));
        } else {
          out.add(new Signal(s.code(), s.confidence(), explanation, s.id(), line));
        }
      }
      case "lib-symbol" -> {
        // The failing library's path tells how it was found. Through its framework's own `..`
        // RUNPATH (torch/lib/../../nvidia/…, lib-dynload/../..) it is the bundled copy, so its
        // neighbour came from another copy loaded first: shadowing. Named by a plain directory (a
        // toolkit's lib64, a wheel folder): installs of different releases are mixed.
        String path = null;
        Matcher lib = LIB_PATH.matcher(full);
        while (path == null && lib.find()) {
          if (SHARED_OBJECT.matcher(lib.group(1)).find()) {
            path = lib.group(1);
          }
        }
        String other = s.code().equals("LIBRARY_SHADOWED") ? "CUDA_LIBRARY_SYMBOL_MISMATCH" : "LIBRARY_SHADOWED";
        if (path == null) {
          out.add(new Signal(s.code(), s.confidence(), explanation, s.id(), line));
          out.add(new Signal(other, 0.75, explanation, s.id(), line));
        } else if (path.contains("/../")) {
          out.add(new Signal("LIBRARY_SHADOWED", 0.92, explanation + " " + path.substring(path.lastIndexOf('/') + 1)
              + " was found next to its framework (through its own relative RUNPATH), so the library it needs came from another copy loaded first: LD_LIBRARY_PATH, a preload or the system cache.", s.id(), line));
          out.add(new Signal("CUDA_LIBRARY_SYMBOL_MISMATCH", 0.85, explanation, s.id(), line));
        } else {
          out.add(new Signal("CUDA_LIBRARY_SYMBOL_MISMATCH", 0.9, explanation + " " + path + " and the library it needs come from different releases: two installations are mixed.", s.id(), line));
          out.add(new Signal("LIBRARY_SHADOWED", 0.75, explanation, s.id(), line));
        }
      }
      case "xformers-have" -> {
        // xformers names the torch it finds: a CPU build is the cause, not xformers.
        String have = m.group("have");
        if (Version.parse(have).map(v -> Torch.nonCudaLabel(v.local())).orElse(false)) {
          out.add(new Signal("TORCH_CPU_ONLY", 0.93, "The installed torch is " + have + ", a build without CUDA: xformers (built for torch " + m.group("built") + ") and everything else run without the GPU.", s.id(), line));
        }
        out.add(new Signal(s.code(), s.confidence(), explanation, s.id(), line));
      }
      case "fact" -> {
        for (String name : m.pattern().namedGroups().keySet()) {
          String v = m.group(name);
          if (v != null && v.length() <= MAX_FACT) {
            String value = v.strip().replaceAll("[.,;:]+$", "");
            facts.put(name, new Fact(value, line, s.id()));
            if (name.equals("nvcc")) {
              nvccs.putIfAbsent(value, new Fact(value, line, s.id()));
            }
          }
        }
      }
      case "arch" -> {
        Integer parsed = smNumber(m.group("arch"));
        if (parsed == null) {
          return out; // no architecture has such a number: the line says nothing reliable
        }
        int arch = parsed;
        boolean removed = removedArch(arch);
        out.add(new Signal(removed ? "GPU_ARCH_TOO_OLD_FOR_TOOLKIT" : "GPU_ARCH_TOO_NEW_FOR_TOOLKIT", s.confidence(),
            explanation + (removed ? " sm_" + arch + " was dropped by newer toolkits: the GPU is too old for this CUDA." : " The toolkit predates this GPU."), s.id(), line));
      }
      case "capability" -> {
        Integer cc = smNumber(m.group("cc"));
        if (cc == null) {
          return out;
        }
        capability = cc;
        capabilityLine = line;
        out.add(new Signal(s.code(), s.confidence(), explanation, s.id(), line));
      }
      case "arch-list" -> {
        List<Integer> list = new ArrayList<>();
        for (String a : m.group("archs").split(" ")) {
          if (a.startsWith("sm_")) {
            Integer sm = smNumber(a.substring(3));
            if (sm == null) {
              return out; // one impossible entry makes the whole list unreliable
            }
            list.add(sm);
          }
        }
        supported = list;
        out.add(new Signal(s.code(), s.confidence(), explanation, s.id(), line));
      }
      case "versions-of-lib" -> {
        libVersions.computeIfAbsent(m.group("lib"), k -> new LinkedHashSet<>()).add(m.group("version"));
        libLines.putIfAbsent(m.group("lib"), line);
      }
      default -> out.add(new Signal(s.code(), s.confidence(), explanation, s.id(), line));
    }
    for (List<String> a : s.also()) {
      if (a.size() == 2) {
        out.add(new Signal(a.get(0), Double.parseDouble(a.get(1)), explanation, s.id(), line));
      }
    }
    return out;
  }

  /**
   * nvcc against torch's CUDA: across majors the build refuses (torch's own message is more often the
   * symptom of the wrong toolkit being found); within a major only the minor differs. Unknown
   * versions leave the signature's own code.
   */
  private static void versions(Version nvcc, Version torch, String kind, LogSignature s, String explanation, Explanation.Line line, List<Signal> out) {
    boolean majors = kind.equals("versions-torch") && nvcc != null && torch == null; // torch raises this message across majors only
    if (!majors && (nvcc == null || torch == null)) {
      out.add(new Signal(s.code(), s.confidence(), explanation, s.id(), line));
    } else if (majors || nvcc.major() != torch.major()) {
      boolean torchMsg = kind.equals("versions-torch");
      out.add(new Signal("NVCC_TORCH_MAJOR_MISMATCH", torchMsg ? 0.88 : 0.9, explanation + " Different CUDA majors: builds refuse.", s.id(), line));
      out.add(new Signal("WRONG_NVCC_ON_PATH", torchMsg ? 0.9 : 0.7,
          explanation + " The nvcc found (PATH, CUDA_HOME) is not the CUDA " + (torch == null ? "" : torch.major() + " ") + "toolkit torch needs.", s.id(), line));
    } else {
      boolean accepted = line.text().contains("accepting this combination");
      out.add(new Signal("NVCC_TORCH_MINOR_MISMATCH", accepted ? 0.6 : 0.88, explanation + " Same major, different minor"
          + (accepted ? ": DeepSpeed accepted it." : "."), s.id(), line));
      out.add(new Signal("WRONG_NVCC_ON_PATH", 0.55, explanation, s.id(), line));
    }
  }

  /**
   * Whether a source location was built on the user's machine: an absolute path in a home directory,
   * pip's source build or cargo's checkouts, or a relative path with a folder ("diffvg/scene.cpp")
   * that is not torch's own ("../aten/…") or a CI builder's. A bare file name or a Windows path (a
   * CI runner's D:\a\…) says nothing.
   */
  private static boolean localBuild(String where) {
    if (PREBUILT.matcher(where).find()) {
      return false;
    }
    if (where.startsWith("/") || where.startsWith("~/")) {
      return LOCAL_BUILD.matcher(where).find();
    }
    return where.indexOf('/') > 0 && !where.startsWith("../") && !where.startsWith("./..");
  }

  /** The number of "sm_NN" ("90"), or null when it is too long to be one (a log can say anything). */
  private static Integer smNumber(String digits) {
    if (digits == null || digits.isEmpty() || digits.length() > 6) {
      return null;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return null;
      }
    }
    return Integer.parseInt(digits);
  }

  /** An architecture an older toolkit supported and the newest known one does not: dropped. */
  private boolean removedArch(int arch) {
    try {
      List<KnowledgeBase.ToolkitArchs> rows = kb.toolkitArchs();
      boolean before = rows.stream().anyMatch(r -> r.numbers().contains(arch));
      return before && !rows.getLast().numbers().contains(arch);
    } catch (KbException e) {
      return arch < 50;
    }
  }
}
