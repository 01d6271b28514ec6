package dev.cudastack.check;

import dev.cudastack.kb.ArchList;
import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.Torch;
import dev.cudastack.kb.Version;
import dev.cudastack.model.GpuInfo;
import dev.cudastack.model.HostCompilerInfo;
import dev.cudastack.model.Observation;
import dev.cudastack.model.PythonInfo.Distribution;
import dev.cudastack.model.PythonInfo.Framework;
import dev.cudastack.model.PythonInfo.PythonEnv;
import dev.cudastack.model.PythonInfo.TorchBuild;
import dev.cudastack.model.Snapshot;
import dev.cudastack.model.Source;
import dev.cudastack.model.ToolkitInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the checks reason about, derived once from a snapshot with the knowledge base's help: the
 * driver's highest CUDA (reported, else from its branch), each GPU's compute capability (reported,
 * else from its model), the toolkits with their nvcc release, the environments that matter and
 * their torch. Pure: nothing here reads the machine.
 */
final class Facts {
  final Snapshot s;
  final KnowledgeBase kb;
  final Map<String, String> env;
  final Optional<String> driverVersion;
  final Source driverSource;
  /** The highest CUDA the driver runs ("12.6"), and from where. */
  final Optional<String> driverMaxCuda;
  final Evidence driverMaxEvidence;
  final boolean driverNewerThanKnown;
  final List<Gpu> gpus;
  final List<Toolkit> toolkits;
  final Optional<Toolkit> extensionToolkit;
  final Optional<ToolkitInfo.ExtensionBuild> extensionBuild;
  final Optional<Toolkit> shellToolkit;
  final Optional<HostCompilerInfo.Compiler> hostCompiler;
  final List<Env> envs;
  /** Memos: the stack advisor asks the same questions for many candidate builds. */
  private final Map<String, Object> memo = new java.util.HashMap<>();

  /** A GPU with its compute capability as a number (70, 90, 120) where known. */
  record Gpu(int index, String name, Integer cc, String ccFrom, String segment, Source source) {
    String label() {
      return "GPU " + index + " " + name + (cc == null ? "" : " (sm_" + cc + ")");
    }
  }

  /** An installed toolkit with nvcc's release ("12.6") and the full version. */
  record Toolkit(String path, String release, String version, boolean hasNvcc, Source source) {}

  /** A Python environment the checks look at, with torch (if any) and what the KB knows of it. */
  record Env(PythonEnv env, Optional<TorchBuild> torch, Optional<Torch.Match> kbTorch, boolean active) {
    String prefix() {
      return env.prefix();
    }

    Optional<Distribution> dist(String name) {
      for (Distribution d : env.distributions()) {
        if (d.name().equalsIgnoreCase(name) && !d.shadowed()) {
          return Optional.of(d);
        }
      }
      return Optional.empty();
    }

    Optional<Framework> framework(String name) {
      return env.frameworks().stream().filter(fw -> fw.name().equalsIgnoreCase(name)).findFirst();
    }

    /** torch's CUDA as major.minor ("12.1"), for CUDA builds. */
    Optional<String> torchCuda() {
      return torch.map(TorchBuild::cuda).filter(c -> c != null && !c.isBlank() && leading(c) != null);
    }
  }

  Facts(Snapshot s, KnowledgeBase kb) throws KbException {
    this.s = s;
    this.kb = kb;
    this.env = s.environment();
    Observation<String> dv = s.driver().version();
    this.driverVersion = dv.get();
    this.driverSource = dv.source();
    Observation<String> reported = s.driver().highestCuda();
    boolean newer = false;
    Optional<String> max = Optional.empty();
    Evidence maxEv = Evidence.of("driver's highest CUDA", reported);
    if (reported.isFound()) {
      max = reported.get().map(Facts::majorMinor);
    } else if (driverVersion.isPresent()) {
      KnowledgeBase.DriverVerdict v = kb.driver(driverVersion.get());
      if (v.branch().isPresent()) {
        max = Optional.of(v.branch().get().maxCuda());
        newer = v.newerThanKnown();
        maxEv = Evidence.kb("driver's highest CUDA", v.branch().get().maxCuda(), v.explanation());
      }
    }
    this.driverMaxCuda = max;
    this.driverMaxEvidence = maxEv;
    this.driverNewerThanKnown = newer;
    this.gpus = gpus(s.gpus(), kb);
    List<Toolkit> tks = new ArrayList<>();
    for (ToolkitInfo.ToolkitInstall t : s.toolkits().installs()) {
      Optional<String> release = t.nvccVersion().get().or(() -> t.version().get()).map(Facts::majorMinor).filter(r -> Version.parse(r).isPresent());
      release.ifPresent(r -> tks.add(new Toolkit(t.path(), r, t.nvccVersion().get().or(() -> t.version().get()).orElse(r), t.hasNvcc(),
          t.nvccVersion().isFound() ? t.nvccVersion().source() : t.version().source())));
    }
    this.toolkits = List.copyOf(tks);
    this.extensionBuild = s.toolkits().extensionBuild().get();
    this.extensionToolkit = extensionBuild.filter(ToolkitInfo.ExtensionBuild::usable).flatMap(e -> toolkit(e.toolkit()));
    this.shellToolkit = s.toolkits().shell().get().flatMap(n -> toolkit(n.toolkit()));
    this.hostCompiler = s.hostCompiler().selected().get();
    List<Env> es = new ArrayList<>();
    for (PythonEnv e : s.python().environments()) {
      boolean active = e.foundBy().stream().anyMatch(b -> !b.equals("conda env"));
      Optional<TorchBuild> torch = e.torch().get();
      Optional<Torch.Match> match = Optional.empty();
      if (torch.isPresent()) {
        match = kb.torch(torch.get().version());
      }
      es.add(new Env(e, torch, match, active));
    }
    // The environments that matter: the active ones; with none active, every one with torch.
    List<Env> active = es.stream().filter(Env::active).toList();
    this.envs = active.isEmpty() ? es.stream().filter(e -> e.torch().isPresent() || e.env().bitsandbytes().isFound()).toList() : active;
  }

  /** A version range parsed once per diagnosis. */
  dev.cudastack.kb.VersionRange range(String text) {
    return (dev.cudastack.kb.VersionRange) memo.computeIfAbsent("range:" + text, k -> dev.cudastack.kb.VersionRange.of(text));
  }

  /** A version parsed once per diagnosis. */
  Version version(String text) {
    return (Version) memo.computeIfAbsent("version:" + text, k -> Version.of(text));
  }

  /** What was remembered under a key, or null. */
  @SuppressWarnings("unchecked")
  <T> T recall(String key) {
    return (T) memo.get(key);
  }

  <T> T remember(String key, T value) {
    memo.put(key, value);
    return value;
  }

  private Optional<Toolkit> toolkit(String path) {
    if (path == null) {
      return Optional.empty();
    }
    return toolkits.stream().filter(t -> t.path().equals(path)).findFirst();
  }

  private static List<Gpu> gpus(GpuInfo info, KnowledgeBase kb) throws KbException {
    List<Gpu> out = new ArrayList<>();
    for (GpuInfo.Gpu g : info.devices()) {
      String name = g.name().orElse("unknown GPU");
      Integer cc = g.computeCapability().get().map(ArchList::capability).orElse(null);
      String from = cc != null ? "reported (" + g.computeCapability().source().describe() + ")" : null;
      Optional<KnowledgeBase.GpuModel> model = g.name().isFound() ? kb.gpu(name) : Optional.empty();
      if (cc == null && model.isPresent()) {
        cc = ArchList.capability(model.get().computeCapability());
        from = "knowledge base: " + model.get().name() + " → " + model.get().computeCapability();
      }
      out.add(new Gpu(g.index(), name, cc, from, model.map(KnowledgeBase.GpuModel::segment).orElse("unknown"), g.name().source()));
    }
    return List.copyOf(out);
  }

  /** "12.6.77" → "12.6"; "12" → "12.0"; "13.3.0-ubuntu1" → "13.3". Unreadable text is returned as it is. */
  static String majorMinor(String v) {
    Version p = leading(v);
    return p == null ? v.strip() : p.major() + "." + p.minor();
  }

  /** The leading dotted number of a version as tools print them ("13.3.0-6ubuntu2" → 13.3.0), or null. */
  static Version leading(String v) {
    if (v == null) {
      return null;
    }
    String t = v.strip();
    int end = 0;
    while (end < t.length() && (Character.isDigit(t.charAt(end)) || t.charAt(end) == '.' && end + 1 < t.length() && Character.isDigit(t.charAt(end + 1)))) {
      end++;
    }
    return end == 0 ? null : Version.parse(t.substring(0, end)).orElse(null);
  }

  /** "12.6" < "12.10": compares as versions (by their leading numbers); unreadable sorts first. */
  static int compare(String a, String b) {
    Version x = leading(a);
    Version y = leading(b);
    if (x == null || y == null) {
      return x == null ? (y == null ? 0 : -1) : 1;
    }
    return x.compareTo(y);
  }

  /** The major of a version ("13.3.0-ubuntu" → 13), or -1 when unreadable. */
  static int major(String v) {
    Version x = leading(v);
    return x == null ? -1 : (int) x.major();
  }

  /** Frameworks in an environment that compile CUDA code on this machine (at install or first use). */
  static List<String> builders(Env e) {
    List<String> out = new ArrayList<>();
    for (String n : List.of("deepspeed", "apex", "flash-attn", "flash_attn", "xformers", "vllm")) {
      if (e.dist(n).isPresent() || e.framework(n).isPresent()) {
        out.add(n.replace('_', '-'));
      }
    }
    return out.stream().distinct().toList();
  }

  boolean anyCudaFramework() {
    for (Env e : envs) {
      if (e.torchCuda().isPresent() || e.env().bitsandbytes().isFound()) {
        return true;
      }
    }
    return false;
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
