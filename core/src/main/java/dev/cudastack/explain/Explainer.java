package dev.cudastack.explain;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.LogSignature;
import dev.cudastack.kb.Torch;
import dev.cudastack.kb.Version;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
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

/**
 * Streams a log once: splits it into lines (a line longer than {@link #MAX_LINE} bytes is read in
 * pieces of that size, so memory stays flat on a gigabyte without a newline), finds the catalog's
 * literals with one automaton pass, and only on a hit decodes the line (invalid UTF-8 replaced,
 * colour codes and carriage returns removed) and tries the signatures' expressions.
 */
public final class Explainer {
  static final int MAX_LINE = 64 * 1024;
  private static final int BUFFER = 1 << 20;
  private static final int LINES_PER_CAUSE = 5;
  private static final int ERROR_LINES = 12;
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");
  /** A time stamp that CI logs put before every line (GitHub Actions: "2023-03-24T20:21:35.0628441Z "): not part of a continued message. */
  private static final Pattern TIMESTAMP = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d[T ][\\d:.,]+Z?\\s+");
  /** An absolute path in a line (after a space, a quote, a bracket, '=' or ':'). */
  private static final Pattern PATH = Pattern.compile("(?<![^\\s'\"(=\\[])/[\\w.@+~-]++(?:/[\\w.@+~-]++)*+");
  /** Paths that tell one machine from another: home directories, environments, site-packages, data mounts. */
  private static final Pattern DISTINCT_PATH = Pattern.compile("^/(?:home|root|opt|data|mnt|scratch|workspace|srv|work|Users)/|/site-packages/|/envs/");
  private static final int PATHS = 32;
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
  private static final List<String> ERROR_WORDS = List.of("Error", "ERROR", "error:", "Exception", "Traceback", "FAILED", "fatal", "Failed");

  private final KnowledgeBase kb;
  private final List<LogSignature> signatures;
  private final Pattern[] patterns;
  private final LiteralMatcher matcher;
  private final Prefilter prefilter;
  private final LiteralMatcher errorWords;
  /** For each literal of the matcher, the signature it belongs to. */
  private final int[] owner;
  private final int firstErrorWord;
  /** One byte less than the longest literal: a literal that starts this close to a cut crosses it. */
  private final int overlap;
  /** Lines that look like errors are collected from the first and the last megabyte only (unknown logs). */
  private static final int ERROR_WINDOW = 1 << 20;
  private final Map<String, String> fixes = new LinkedHashMap<>();

  public Explainer(KnowledgeBase kb) throws KbException {
    this.kb = kb;
    this.signatures = kb.signatures();
    this.patterns = new Pattern[signatures.size()];
    List<String> literals = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    for (int i = 0; i < signatures.size(); i++) {
      patterns[i] = Pattern.compile(signatures.get(i).pattern());
      for (String lit : signatures.get(i).literal().split("\\|\\|")) {
        literals.add(lit);
        owners.add(i);
      }
    }
    for (KnowledgeBase.CodeFix f : kb.codeFixes()) {
      fixes.put(f.code(), f.fix());
    }
    owner = owners.stream().mapToInt(Integer::intValue).toArray();
    overlap = literals.stream().mapToInt(l -> l.getBytes(StandardCharsets.UTF_8).length).max().orElse(1) - 1;
    firstErrorWord = signatures.size();
    this.matcher = new LiteralMatcher(literals);
    this.prefilter = new Prefilter(literals);
    this.errorWords = new LiteralMatcher(ERROR_WORDS);
  }

  /** A fact an environment report printed, with its line and the signature that read it. */
  private record Fact(String value, Explanation.Line line, String signature) {}

  /** One signal: a code with a confidence from one signature on one line. */
  private record Signal(String code, double confidence, String explanation, String signature, Explanation.Line line) {}

  /** Reads the whole stream (several logs can be given one after another). */
  public Explanation explain(List<InputStream> inputs) throws IOException {
    State st = new State();
    for (InputStream in : inputs) {
      scan(in, st);
      st.flushPending();
    }
    return st.finish();
  }

  private final class State {
    final List<Signal> signals = new ArrayList<>();
    /** The lines that look like errors, from the head and the tail of each input, by number. */
    final Map<Long, Explanation.Line> errorLines = new TreeMap<>();
    final Map<String, Set<String>> libVersions = new TreeMap<>();
    final Map<String, Explanation.Line> libLines = new LinkedHashMap<>();
    long lines;
    long bytes;
    int cut;
    /** The GPU a torch capability warning named (sm number) and the arch list it printed. */
    Integer capability;
    Explanation.Line capabilityLine;
    List<Integer> supported;
    /**
     * Facts that environment reports print (nvcc -V, torch's collect_env, ds_report, nvidia-smi,
     * /proc/driver/nvidia/version), by name: torch, torchcuda, nvcc, driver, gpu. The last one
     * printed wins.
     */
    final Map<String, Fact> facts = new LinkedHashMap<>();
    /** The signatures of kind no-native: bitsandbytes without any native library. */
    final Set<String> noNativeSignatures = signatures.stream().filter(x -> "no-native".equals(x.kind())).map(LogSignature::id).collect(java.util.stream.Collectors.toSet());
    /** Every nvcc release the log printed, first line of each. */
    final Map<String, Fact> nvccs = new LinkedHashMap<>();
    /** Absolute paths the matched and error lines name, in a user's or a tool's own places (at most {@link #PATHS}). */
    final Set<String> paths = new LinkedHashSet<>();

    void paths(String line) {
      if (paths.size() >= PATHS || line.indexOf('/') < 0) {
        return;
      }
      Matcher m = PATH.matcher(line);
      while (paths.size() < PATHS && m.find()) {
        String p = m.group().replaceAll("[.]+$", "");
        if (p.indexOf('/', 1) > 0 && DISTINCT_PATH.matcher(p).find()) {
          paths.add(p);
        }
      }
    }

    /** Multi-line signatures waiting for the next line: [signature index, line number, text]. */
    final List<Object[]> pending = new ArrayList<>();

    /** A whole line (or the part of it that is looked at): the next line of any pending signature, then its literals. */
    void line(byte[] b, int off, int len, long number) {
      pendingWith(b, off, len);
      hits(b, off, len, number);
    }

    /** Gives the pending multi-line signatures {@code b[off, off+len)} as their next line. */
    void pendingWith(byte[] b, int off, int len) {
      if (pending.isEmpty()) {
        return;
      }
      String next = text(b, off, len);
      for (Object[] p : pending) {
        evaluate((int) p[0], (String) p[2] + " " + TIMESTAMP.matcher(next.strip()).replaceFirst(""), (long) p[1], (String) p[2]);
      }
      pending.clear();
    }

    /** Tries the signatures whose literals occur in {@code b[off, off+len)}; a multi-line one that fails waits for the next line. */
    void hits(byte[] b, int off, int len, long number) {
      BitSet literalHits = matcher.find(b, off, len);
      if (literalHits == null) {
        return;
      }
      BitSet hits = new BitSet();
      for (int i = literalHits.nextSetBit(0); i >= 0; i = literalHits.nextSetBit(i + 1)) {
        hits.set(owner[i]);
      }
      String text = text(b, off, len);
      paths(text);
      for (int i = hits.nextSetBit(0); i >= 0; i = hits.nextSetBit(i + 1)) {
        if (!evaluate(i, text, number, text) && signatures.get(i).multiline()) {
          pending.add(new Object[] {i, number, text});
        }
      }
    }

    /** Lines that look like errors, kept once each (the head and the tail of a short input are the same lines). */
    void addErrorLines(List<Explanation.Line> found) {
      for (Explanation.Line l : found) {
        paths(l.text());
        errorLines.putIfAbsent(l.number(), l);
      }
    }

    /** A multi-line signature waits for the next line. */
    boolean waiting() {
      return !pending.isEmpty();
    }

    void flushPending() {
      for (Object[] p : pending) {
        evaluate((int) p[0], (String) p[2], (long) p[1], (String) p[2]);
      }
      pending.clear();
    }

    /** Tries one signature on a text; true when it matched. */
    boolean evaluate(int i, String text, long number, String shown) {
      Matcher m = patterns[i].matcher(text);
      try {
        if (!m.find()) {
          return false;
        }
      } catch (StackOverflowError e) {
        return false; // a pattern (perhaps from a --kb catalog) that recurses on this line says nothing about it
      }
      LogSignature s = signatures.get(i);
      Explanation.Line line = new Explanation.Line(number, shorten(shown));
      String explanation = fill(s.explain(), m, s.pattern());
      for (Signal sig : reason(s, m, explanation, line, text)) {
        signals.add(sig);
      }
      return true;
    }

    Explanation finish() {
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
      return new Explanation(causes, causes.isEmpty() ? List.copyOf(errorLines.values()) : List.of(), lines, bytes, cut, List.copyOf(paths), null);
    }

    /**
     * Causes that follow from the facts an environment report printed, checked against the
     * knowledge base: they rank below an error message that names its cause, and above guesses.
     */
    void derive() {
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
    void overrideCausesMissingBinary() {
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
    List<Signal> reason(LogSignature s, Matcher m, String explanation, Explanation.Line line, String full) {
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
          if (nonCudaBuild(have)) {
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
  }

  /**
   * nvcc against torch's CUDA: across majors the build refuses (torch's own message is more often the
   * symptom of the wrong toolkit being found); within a major only the minor differs. Unknown
   * versions leave the signature's own code.
   */
  private static void versions(Version nvcc, Version torch, String kind, LogSignature s, String explanation, Explanation.Line line, List<Signal> out) {
    if (nvcc == null || torch == null) {
      out.add(new Signal(s.code(), s.confidence(), explanation, s.id(), line));
    } else if (nvcc.major() != torch.major()) {
      boolean torchMsg = kind.equals("versions-torch");
      out.add(new Signal("NVCC_TORCH_MAJOR_MISMATCH", torchMsg ? 0.88 : 0.9, explanation + " Different CUDA majors: builds refuse.", s.id(), line));
      out.add(new Signal("WRONG_NVCC_ON_PATH", torchMsg ? 0.9 : 0.7,
          explanation + " The nvcc found (PATH, CUDA_HOME) is not the CUDA " + torch.major() + " toolkit torch needs.", s.id(), line));
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
  static boolean localBuild(String where) {
    if (PREBUILT.matcher(where).find()) {
      return false;
    }
    if (where.startsWith("/") || where.startsWith("~/")) {
      return LOCAL_BUILD.matcher(where).find();
    }
    return where.indexOf('/') > 0 && !where.startsWith("../") && !where.startsWith("./..");
  }

  /** A torch version whose local label is a build without CUDA ("2.1.2+cpu", "2.1.0+rocm5.6"). */
  private static boolean nonCudaBuild(String version) {
    int plus = version.indexOf('+');
    String local = plus < 0 ? "" : version.substring(plus + 1);
    return local.startsWith("cpu") || local.startsWith("rocm");
  }

  /** The number of "sm_NN" ("90"), or null when it is too long to be one (a log can say anything). */
  static Integer smNumber(String digits) {
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

  /**
   * Reads one input in large buffers. Within the complete lines of a buffer, the prefilter jumps
   * to the next possible literal; only that line is handed over (its number counted from the
   * newlines before it). A line with no newline within a whole buffer is handed over in pieces;
   * the last bytes of a piece are kept for the next, so a literal across the cut is still found.
   * The lines that look like errors come from the first and the last {@link #ERROR_WINDOW} bytes
   * of the input: the buffer processed before the last one is kept (two buffers trade places), so
   * the last window can span both.
   */
  private void scan(InputStream in, State st) throws IOException {
    byte[] buf = new byte[BUFFER];
    byte[] prev = new byte[BUFFER]; // the complete lines of the buffer processed before, [0, prevLen)
    int prevLen = 0;
    long prevNumber = 0;
    long read = 0; // bytes of this input so far
    int headLines = 0;
    int filled = 0;
    long number = st.lines + 1;
    boolean eof = false;
    boolean open = false; // a line without a newline is being read in pieces
    while (!eof) {
      int n = in.read(buf, filled, BUFFER - filled);
      if (n < 0) {
        eof = true;
      } else {
        st.bytes += n;
        read += n;
        filled += n;
        if (filled < BUFFER) {
          continue;
        }
      }
      boolean continuing = open; // buf starts inside a line begun in an earlier buffer
      // Process complete lines; keep a trailing partial line for the next read.
      int end = filled;
      if (!eof) {
        int lastNl = lastNewline(buf, filled);
        if (lastNl < 0) {
          // No newline in a whole buffer: a very long line. Only the pieces around literals are
          // looked at, as one line.
          longLine(buf, 0, filled, number, !continuing, st);
          st.cut += (filled + MAX_LINE - 1) / MAX_LINE;
          open = true;
          int keep = Math.min(overlap, filled);
          System.arraycopy(buf, filled - keep, buf, 0, keep);
          filled = keep;
          prevLen = 0;
          continue;
        }
        open = false;
        end = lastNl + 1;
      }
      long start = read - filled; // the offset of buf[0] in this input
      if (start < ERROR_WINDOW && headLines < ERROR_LINES) { // the head of the input
        List<Explanation.Line> head = errorWords(buf, 0, end, (int) Math.min(end, ERROR_WINDOW - start), number);
        head = head.subList(0, Math.min(head.size(), ERROR_LINES - headLines));
        headLines += head.size();
        st.addErrorLines(head);
      }
      if (eof) { // the tail of the input: the last ERROR_WINDOW bytes, across this buffer and the one before
        List<Explanation.Line> tail = new ArrayList<>();
        if (end < ERROR_WINDOW && prevLen > 0) {
          int from = lastLineStart(prev, prevLen, ERROR_WINDOW - end);
          tail.addAll(errorWords(prev, from, prevLen, prevLen, prevNumber + newlines(prev, 0, from)));
        }
        int from = lastLineStart(buf, end, ERROR_WINDOW);
        tail.addAll(errorWords(buf, from, end, end, number + newlines(buf, 0, from)));
        st.addErrorLines(tail.subList(Math.max(0, tail.size() - ERROR_LINES), tail.size()));
      }
      long first = number;
      number = lines(buf, end, number, continuing, st);
      if (eof && (filled > 0 && buf[filled - 1] != '\n' || open && filled == 0)) {
        number++; // the last line had no newline
      }
      // The processed buffer becomes prev; the partial line moves to the start of the other one.
      int rest = filled - end;
      byte[] other = prev;
      System.arraycopy(buf, end, other, 0, rest);
      prev = buf;
      prevLen = end;
      prevNumber = first;
      buf = other;
      filled = rest;
    }
    st.lines = number - 1;
  }

  /** Lines of {@code b[from, to)} that start before {@code maxStart} and look like errors, numbered from {@code number}. */
  private List<Explanation.Line> errorWords(byte[] b, int from, int to, int maxStart, long number) {
    List<Explanation.Line> found = new ArrayList<>();
    int start = from;
    long n = number;
    for (int i = from; i <= to && start < maxStart; i++) {
      if (i == to || b[i] == '\n') {
        if (i > start && errorWords.find(b, start, i - start) != null) {
          found.add(new Explanation.Line(n, shorten(text(b, start, i - start))));
        }
        n++;
        start = i + 1;
      }
    }
    return found;
  }

  /**
   * Hands over every line of {@code buf[0, end)} that may hold a literal; returns the number of
   * the line after. {@code continuing}: the first line began in an earlier buffer, so it is not
   * the next line of a pending multi-line signature.
   */
  private long lines(byte[] buf, int end, long number, boolean continuing, State st) {
    int counted = 0; // number is the line number of the line starting at counted
    int pos = 0;
    if (continuing) {
      int lineEnd = 0;
      while (lineEnd < end && buf[lineEnd] != '\n') {
        lineEnd++;
      }
      line(buf, 0, lineEnd, number, false, st);
      pos = lineEnd + 1;
    }
    while (pos < end) {
      int lineStart;
      if (st.waiting()) {
        lineStart = pos; // a multi-line signature needs this line whatever it holds
      } else {
        int hit = prefilter.next(buf, pos, end);
        if (hit < 0) {
          break;
        }
        lineStart = hit;
        while (lineStart > pos && buf[lineStart - 1] != '\n') {
          lineStart--;
        }
      }
      int lineEnd = lineStart;
      while (lineEnd < end && buf[lineEnd] != '\n') {
        lineEnd++;
      }
      number += newlines(buf, counted, lineStart);
      counted = lineStart;
      line(buf, lineStart, lineEnd, number, true, st);
      pos = lineEnd + 1;
    }
    return number + newlines(buf, counted, end);
  }

  /** One line {@code buf[start, end)}, or the rest of one ({@code fresh} false: not a next line for a pending signature). */
  private void line(byte[] buf, int start, int end, long number, boolean fresh, State st) {
    int len = end - start;
    if (len > MAX_LINE) {
      longLine(buf, start, end, number, fresh, st);
      st.cut++;
    } else if (fresh) {
      st.line(buf, start, len, number);
    } else {
      st.hits(buf, start, len, number);
    }
  }

  /**
   * A line (or a piece of one) longer than {@link #MAX_LINE}: each literal is looked at in a
   * window of that size around it, the next search starting early enough that a literal across
   * the window's end is found again. {@code fresh}: it is the start of a line, so a pending
   * multi-line signature gets its first window as the next line.
   */
  private void longLine(byte[] buf, int start, int end, long number, boolean fresh, State st) {
    if (fresh && st.waiting()) {
      st.pendingWith(buf, start, Math.min(MAX_LINE, end - start));
    }
    int p = start;
    int hit;
    while (p < end && (hit = prefilter.next(buf, p, end)) >= 0) {
      int at = Math.max(start, Math.min(hit - MAX_LINE / 2, end - MAX_LINE));
      int len = Math.min(MAX_LINE, end - at);
      st.hits(buf, at, len, number);
      if (at + len >= end) {
        break;
      }
      p = at + len - overlap;
    }
  }

  /** The start of the first whole line within the last {@code window} bytes before {@code end}. */
  private static int lastLineStart(byte[] b, int end, int window) {
    int from = Math.max(0, end - window);
    if (from == 0) {
      return 0;
    }
    while (from < end && b[from - 1] != '\n') {
      from++;
    }
    return from;
  }

  private static int lastNewline(byte[] b, int filled) {
    for (int i = filled - 1; i >= 0; i--) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** How many newlines lie in {@code b[from, to)}, eight bytes at a time. */
  private static long newlines(byte[] b, int from, int to) {
    long count = 0;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long w = (long) LONG.get(b, i) ^ 0x0A0A0A0A0A0A0A0AL;
      // a zero byte in w marks a newline in the word
      long z = (w - 0x0101010101010101L) & ~w & 0x8080808080808080L;
      if (z != 0) {
        count += Long.bitCount(nlMask(w));
      }
    }
    for (; i < to; i++) {
      if (b[i] == '\n') {
        count++;
      }
    }
    return count;
  }

  /** The exact zero bytes of a word (the fast test above can flag a byte after a zero by borrow). */
  private static long nlMask(long w) {
    long t = (w & 0x7F7F7F7F7F7F7F7FL) + 0x7F7F7F7F7F7F7F7FL;
    return ~(t | w | 0x7F7F7F7F7F7F7F7FL);
  }

  private static final java.lang.invoke.VarHandle LONG = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private static String text(byte[] b, int off, int len) {
    String s = new String(b, off, len, StandardCharsets.UTF_8);
    if (s.indexOf('\u001B') >= 0) {
      s = ANSI.matcher(s).replaceAll("");
    }
    return s.replace("\r", "");
  }

  private static String shorten(String s) {
    String t = s.strip();
    return t.length() > 300 ? t.substring(0, 300) + "…" : t;
  }

  private static final Pattern GROUP = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-zA-Z][a-zA-Z0-9]*)}");

  /** The explanation template with ${group} replaced by what the line said. */
  private static String fill(String template, Matcher m, String pattern) {
    Set<String> names = new LinkedHashSet<>();
    Matcher g = GROUP.matcher(pattern);
    while (g.find()) {
      names.add(g.group(1));
    }
    Matcher p = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (p.find()) {
      String v = names.contains(p.group(1)) ? m.group(p.group(1)) : null;
      p.appendReplacement(out, Matcher.quoteReplacement(v == null ? "?" : v.strip()));
    }
    p.appendTail(out);
    return out.toString();
  }
}
