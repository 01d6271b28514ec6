package dev.cudastack.probe;

import dev.cudastack.model.Observation;
import dev.cudastack.model.PythonInfo;
import dev.cudastack.model.PythonInfo.PythonEnv;
import dev.cudastack.model.PythonInfo.TorchBuild;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds Python environments — the python3 first on PATH, $VIRTUAL_ENV, $CONDA_PREFIX and every
 * conda env — and reads each one's version, import path and installed distributions from files.
 * No interpreter is started.
 */
final class PythonEnvProbe implements Probe<PythonInfo> {
  private final List<String> given;
  private final boolean deep;
  private final boolean binaries;

  /**
   * @param given prefixes or interpreters named with --python
   * @param deep run each environment's interpreter once (--deep); never where nothing may run
   */
  PythonEnvProbe(List<String> given, boolean deep, boolean binaries) {
    this.given = List.copyOf(given);
    this.deep = deep;
    this.binaries = binaries;
  }
  private static final int MAX_ENTRIES = 100_000;

  /** "3.12.3" → group 1 "3.12.3", group 2 "3.12". */
  private static final java.util.regex.Pattern VERSION = java.util.regex.Pattern.compile("^((\\d+\\.\\d+)(?:\\.\\d+)?)");

  @Override
  public String name() {
    return "python";
  }

  @Override
  public PythonInfo unavailable(Observation<String> why) {
    return new PythonInfo(List.of());
  }

  @Override
  public PythonInfo read(Machine m, Notes notes) {
    Map<String, Set<String>> prefixes = new LinkedHashMap<>();
    pathPython(m).ifPresent(p -> prefixes.computeIfAbsent(p, k -> new LinkedHashSet<>()).add("python3 on PATH"));
    m.getenv("VIRTUAL_ENV").ifPresent(p -> add(m, prefixes, p, "$VIRTUAL_ENV"));
    m.getenv("CONDA_PREFIX").ifPresent(p -> add(m, prefixes, p, "$CONDA_PREFIX"));
    for (String g : given) {
      Optional<String> prefix = givenPrefix(m, g);
      if (prefix.isPresent()) {
        prefixes.computeIfAbsent(prefix.get(), k -> new LinkedHashSet<>()).add("--python " + g);
      } else {
        notes.add("--python " + g + ": not a Python prefix or interpreter");
      }
    }
    for (String p : ToolkitProbe.condaPrefixes(m)) {
      if (m.fs().isDirectory(p + "/conda-meta")) {
        add(m, prefixes, p, "conda env");
      }
    }
    List<PythonEnv> envs = new ArrayList<>();
    Binaries reader = binaries ? new Binaries(m) : null;
    prefixes.forEach((prefix, by) -> envs.add(describe(m, notes, prefix, List.copyOf(by), deep, reader)));
    return new PythonInfo(envs);
  }

  /** A prefix directory as given, or the prefix of a given interpreter (bin/python3.X). */
  private static Optional<String> givenPrefix(Machine m, String g) {
    if (m.fs().isDirectory(g)) {
      MachineFs.Resolved r = m.fs().resolve(g);
      return r.ok() && looksLikePrefix(m, r.path()) ? Optional.of(r.path()) : Optional.empty();
    }
    if (!m.fs().isFile(g)) {
      return Optional.empty();
    }
    String beside = parent(parent(g));
    if (m.fs().isFile(beside + "/pyvenv.cfg")) {
      return Optional.of(m.fs().resolve(beside).path());
    }
    MachineFs.Resolved r = m.fs().resolve(g);
    String prefix = r.ok() ? parent(parent(r.path())) : beside;
    return looksLikePrefix(m, prefix) ? Optional.of(prefix) : Optional.empty();
  }

  private static void add(Machine m, Map<String, Set<String>> prefixes, String path, String by) {
    MachineFs.Resolved r = m.fs().resolve(path);
    if (r.ok()) {
      prefixes.computeIfAbsent(r.path(), k -> new LinkedHashSet<>()).add(by);
    }
  }

  /**
   * The prefix of the first python3 on PATH. A venv's bin/python3 is a link to the base
   * interpreter, so a pyvenv.cfg next to its bin directory wins over following the link.
   */
  private static Optional<String> pathPython(Machine m) {
    for (String dir : m.getenv("PATH").orElse("").split(":")) {
      if (!dir.startsWith("/") || !m.fs().isFile(dir + "/python3")) {
        continue;
      }
      String parent = parent(dir);
      if (m.fs().isFile(parent + "/pyvenv.cfg")) {
        return Optional.of(m.fs().resolve(parent).path());
      }
      if (dir.endsWith("/shims") && m.fs().isDirectory(parent + "/versions")) {
        return pyenvVersion(m, parent);
      }
      MachineFs.Resolved r = m.fs().resolve(dir + "/python3");
      String prefix = r.ok() ? parent(parent(r.path())) : parent;
      return looksLikePrefix(m, prefix) ? Optional.of(prefix) : Optional.empty();
    }
    return Optional.empty();
  }

  /**
   * pyenv's shims are scripts that pick an installed version: $PYENV_VERSION, else the global
   * version file. (A directory's .python-version also counts for pyenv, but depends on where the
   * user stands, which a machine-wide report cannot know.)
   */
  private static Optional<String> pyenvVersion(Machine m, String pyenvRoot) {
    Optional<String> version = m.getenv("PYENV_VERSION").map(v -> v.split(":")[0]);
    if (version.isEmpty()) {
      MachineFs.Text t = m.fs().readText(pyenvRoot + "/version", 4096);
      version = t.ok() ? t.text().lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst() : Optional.empty();
    }
    return version.map(v -> pyenvRoot + "/versions/" + v).filter(p -> looksLikePrefix(m, p));
  }

  private static boolean looksLikePrefix(Machine m, String prefix) {
    return m.fs().isFile(prefix + "/pyvenv.cfg")
        || !PythonTexts.pythonDirVersions(m.fs().list(prefix + "/lib", 1000).names()).isEmpty();
  }

  private static String parent(String p) {
    int i = p.lastIndexOf('/');
    return i <= 0 ? "/" : p.substring(0, i);
  }

  private static PythonEnv describe(Machine m, Notes notes, String prefix, List<String> foundBy, boolean deep, Binaries reader) {
    MachineFs.Text cfgText = m.fs().readText(prefix + "/pyvenv.cfg", 64 * 1024);
    Map<String, String> cfg = cfgText.ok() ? PythonTexts.pyvenvCfg(cfgText.text()) : Map.of();
    String kind = cfgText.ok() ? "venv" : m.fs().isDirectory(prefix + "/conda-meta") ? "conda" : "system";
    Observation<String> version = pythonVersion(m, prefix, cfg);
    List<String> path = importPath(m, prefix, version.orElse(null), cfgText.ok(), cfg);
    SitePackages site = SitePackages.read(m, notes, path);
    Observation<TorchBuild> torch = TorchReader.read(m, notes, site);
    Observation<dev.cudastack.model.PythonInfo.BnbSetup> bnb = FrameworkReader.bitsandbytes(m, site, torch.orElse(null));
    List<dev.cudastack.model.PythonInfo.Framework> frameworks = FrameworkReader.frameworks(m, site);
    return new PythonEnv(
        prefix,
        kind,
        foundBy,
        version,
        site.importPath(),
        site.distributions(),
        torch,
        CudaWheels.read(m, site),
        bnb,
        frameworks,
        deep ? DeepQuery.ask(m, prefix) : Observation.absent("not asked (--deep runs the interpreter)", Source.none()),
        reader == null ? List.of() : binaries(m, reader, torch.orElse(null), bnb.orElse(null), frameworks));
  }

  /** The frameworks' CUDA libraries, read from their bytes: torch's libtorch_cuda.so, bitsandbytes' binary, compiled extensions. */
  private static List<dev.cudastack.model.PythonInfo.FrameworkBinary> binaries(Machine m, Binaries reader, TorchBuild torch,
      dev.cudastack.model.PythonInfo.BnbSetup bnb, List<dev.cudastack.model.PythonInfo.Framework> frameworks) {
    List<dev.cudastack.model.PythonInfo.FrameworkBinary> out = new ArrayList<>();
    if (torch != null) {
      for (String lib : List.of("libtorch_cuda.so", "libtorch_cuda_cpp.so")) {
        String p = torch.location() + "/torch/lib/" + lib;
        if (m.fs().isFile(p)) {
          out.add(new dev.cudastack.model.PythonInfo.FrameworkBinary("torch", reader.inspect(p, true, true)));
          break;
        }
      }
    }
    if (bnb != null && bnb.loads() != null && bnb.loads().startsWith("libbitsandbytes_cuda")) {
      out.add(new dev.cudastack.model.PythonInfo.FrameworkBinary("bitsandbytes", reader.inspect(bnb.location() + "/" + bnb.loads(), true, true)));
    }
    List<String> torchLibs = new ArrayList<>();
    if (torch != null) {
      for (String lib : List.of("libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so", "libtorch_python.so")) {
        if (m.fs().isFile(torch.location() + "/torch/lib/" + lib)) {
          torchLibs.add(torch.location() + "/torch/lib/" + lib);
        }
      }
    }
    for (dev.cudastack.model.PythonInfo.Framework f : frameworks) {
      if (!List.of("flash-attn", "flash_attn", "xformers", "vllm").contains(f.name().toLowerCase(java.util.Locale.ROOT))) {
        continue;
      }
      f.extensions().stream().limit(3)
          .forEach(ext -> out.add(new dev.cudastack.model.PythonInfo.FrameworkBinary(f.name(), reader.inspect(f.location() + "/" + ext, true, true, torchLibs))));
    }
    return out;
  }

  private static Observation<String> pythonVersion(Machine m, String prefix, Map<String, String> cfg) {
    for (String key : List.of("version_info", "version")) {
      String v = cfg.get(key);
      java.util.regex.Matcher vm = v == null ? null : VERSION.matcher(v);
      if (vm != null && vm.find()) {
        return Observation.found(vm.group(1), Source.file(prefix + "/pyvenv.cfg"));
      }
    }
    List<String> libVersions = PythonTexts.pythonDirVersions(m.fs().list(prefix + "/lib", 1000).names());
    if (!libVersions.isEmpty()) {
      return Observation.found(libVersions.getFirst(), Source.file(prefix + "/lib/python" + libVersions.getFirst()));
    }
    List<String> binVersions = PythonTexts.pythonDirVersions(m.fs().list(prefix + "/bin", 10_000).names());
    if (!binVersions.isEmpty()) {
      return Observation.found(binVersions.getFirst(), Source.file(prefix + "/bin/python" + binVersions.getFirst()));
    }
    return Observation.absent("no pyvenv.cfg version, lib/pythonX.Y or bin/pythonX.Y", Source.file(prefix));
  }

  /**
   * sys.path as Python builds it: PYTHONPATH, then the user site (unless PYTHONNOUSERSITE is set, or
   * this is a venv without system site packages), then the environment's own site-packages (and a
   * Debian system Python's dist-packages), then the base's when a venv includes system packages.
   */
  private static List<String> importPath(Machine m, String prefix, String version, boolean venv, Map<String, String> cfg) {
    List<String> out = new ArrayList<>();
    m.getenv("PYTHONPATH").ifPresent(pp -> {
      for (String p : pp.split(":")) {
        if (p.startsWith("/")) {
          out.add(p);
        }
      }
    });
    if (version == null) {
      return out;
    }
    java.util.regex.Matcher xm = VERSION.matcher(version);
    String xy = xm.find() ? xm.group(2) : version;
    boolean systemSite = "true".equalsIgnoreCase(cfg.getOrDefault("include-system-site-packages", "false"));
    boolean userSite = m.getenv("PYTHONNOUSERSITE").isEmpty() && (!venv || systemSite);
    if (userSite) {
      String home = m.getenv("HOME").orElse("/root");
      out.add(home + "/.local/lib/python" + xy + "/site-packages");
    }
    out.add(prefix + "/lib/python" + xy + "/site-packages");
    if (prefix.equals("/usr") || prefix.equals("/usr/local")) {
      out.add("/usr/local/lib/python" + xy.substring(0, xy.indexOf('.')) + "/dist-packages");
      out.add("/usr/lib/python3/dist-packages");
    }
    if (venv && systemSite && cfg.containsKey("home")) {
      String base = parent(cfg.get("home"));
      out.add(base + "/lib/python" + xy + "/site-packages");
    }
    return out.stream().distinct().filter(d -> m.fs().isDirectory(d)).toList();
  }
}
