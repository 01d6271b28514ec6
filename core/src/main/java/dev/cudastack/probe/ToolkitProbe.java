package dev.cudastack.probe;

import dev.cudastack.model.Observation;
import dev.cudastack.model.Source;
import dev.cudastack.model.ToolkitInfo;
import dev.cudastack.model.ToolkitInfo.ExtensionBuild;
import dev.cudastack.model.ToolkitInfo.NvccOnPath;
import dev.cudastack.model.ToolkitInfo.ToolkitInstall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds every CUDA toolkit — /usr/local/cuda*, the HPC SDK, CUDA_HOME/CUDA_PATH, each nvcc on
 * PATH, conda environments — and tells which one a shell and which one torch extension builds use.
 */
final class ToolkitProbe implements Probe<ToolkitInfo> {
  private static final Pattern EXEC_WRAPPER = Pattern.compile("(?m)^\\s*exec\\s+\"?(/[^\"\\s]*/nvcc)\"?");
  private static final Pattern CONDA_NVCC = Pattern.compile("^cuda-nvcc-(\\d+\\.\\d+(?:\\.\\d+)*)-.*\\.json$");
  private static final Pattern WHEEL_NVCC = Pattern.compile("^nvidia_cuda_nvcc(?:_cu\\d+)?-(\\d+\\.\\d+(?:\\.\\d+)*)\\.dist-info$");
  private static final int WRAPPER_MAX = 4096;
  private static final Pattern MAJOR_MINOR = Pattern.compile("\\d+\\.\\d+");

  @Override
  public String name() {
    return "toolkits";
  }

  @Override
  public ToolkitInfo unavailable(Observation<String> why) {
    return new ToolkitInfo(List.of(), List.of(), why.map(x -> null), why.map(x -> null));
  }

  /** A toolkit directory being collected: its real path, aliases and who found it. */
  private static final class Candidate {
    final String path;
    final Set<String> aliases = new LinkedHashSet<>();
    final Set<String> foundBy = new LinkedHashSet<>();

    Candidate(String path) {
      this.path = path;
    }
  }

  @Override
  public ToolkitInfo read(Machine m, Notes notes) {
    Map<String, Candidate> found = new LinkedHashMap<>();
    scanUsrLocal(m, notes, found);
    scanHpcSdk(m, found);
    for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
      m.getenv(var).ifPresent(v -> add(m, notes, found, v, "$" + var));
    }
    List<NvccOnPath> onPath = nvccOnPath(m, notes);
    for (NvccOnPath n : onPath) {
      if (n.toolkit() != null) {
        add(m, notes, found, n.toolkit(), "nvcc on PATH (" + n.path() + ")");
      }
    }
    for (String prefix : condaPrefixes(m)) {
      if (m.fs().isFile(prefix + "/bin/nvcc")) {
        add(m, notes, found, prefix, "conda env " + prefix);
      }
    }
    List<ToolkitInstall> installs = new ArrayList<>();
    for (Candidate c : found.values()) {
      installs.add(describe(m, notes, c));
    }
    Observation<NvccOnPath> shell = onPath.isEmpty()
        ? Observation.absent("no nvcc on PATH", Source.env("PATH"))
        : Observation.found(onPath.getFirst(), Source.env("PATH"));
    return new ToolkitInfo(installs, onPath, shell, extensionBuild(m, onPath, found));
  }

  private static void scanUsrLocal(Machine m, Notes notes, Map<String, Candidate> found) {
    MachineFs.Listing l = m.fs().list("/usr/local", 10_000);
    if (!l.ok()) {
      if (!l.error().equals("no such directory")) {
        notes.add("/usr/local: " + l.error());
      }
      return;
    }
    for (String name : l.names()) {
      if (name.equals("cuda") || name.startsWith("cuda-")) {
        add(m, notes, found, "/usr/local/" + name, "/usr/local/cuda*");
      }
    }
  }

  private static void scanHpcSdk(Machine m, Map<String, Candidate> found) {
    String base = "/opt/nvidia/hpc_sdk";
    for (String platform : m.fs().list(base, 100).names()) {
      for (String release : m.fs().list(base + "/" + platform, 1000).names()) {
        String cudaDir = base + "/" + platform + "/" + release + "/cuda";
        for (String v : m.fs().list(cudaDir, 100).names()) {
          if (MAJOR_MINOR.matcher(v).matches()) {
            add(m, null, found, cudaDir + "/" + v, "NVIDIA HPC SDK");
          }
        }
      }
    }
  }

  private static void add(Machine m, Notes notes, Map<String, Candidate> found, String path, String by) {
    MachineFs.Resolved r = m.fs().resolve(path);
    if (!r.ok()) {
      if (notes != null) {
        notes.add(path + " (" + by + "): " + r.error());
      }
      return;
    }
    if (!looksLikeToolkit(m, r.path())) {
      return;
    }
    Candidate c = found.computeIfAbsent(r.path(), Candidate::new);
    c.foundBy.add(by);
    if (!r.chain().isEmpty()) {
      c.aliases.add(path + " -> " + String.join(" -> ", r.chain().stream().map(s -> s.substring(s.indexOf(" -> ") + 4)).toList()));
    } else if (!path.equals(r.path())) {
      c.aliases.add(path);
    }
  }

  static boolean looksLikeToolkit(Machine m, String dir) {
    return m.fs().isFile(dir + "/bin/nvcc")
        || m.fs().isFile(dir + "/version.json")
        || m.fs().isFile(dir + "/version.txt")
        || m.fs().isFile(dir + "/include/cuda.h");
  }

  private static ToolkitInstall describe(Machine m, Notes notes, Candidate c) {
    String d = c.path;
    Observation<String> version = versionFromFiles(m, notes, d);
    boolean hasNvcc = m.fs().isFile(d + "/bin/nvcc");
    Observation<String> nvcc = nvccVersion(m, d, hasNvcc);
    if (!version.isFound() && nvcc.isFound()) {
      version = nvcc;
    }
    return new ToolkitInstall(d, List.copyOf(c.aliases), List.copyOf(c.foundBy), version, nvcc, hasNvcc);
  }

  /** version.json, else version.txt, else CUDA_VERSION in include/cuda.h. */
  private static Observation<String> versionFromFiles(Machine m, Notes notes, String d) {
    List<String> problems = new ArrayList<>();
    MachineFs.Text json = m.fs().readText(d + "/version.json", 1 << 20);
    if (json.ok()) {
      Optional<String> v = ToolkitTexts.versionJson(json.text());
      if (v.isPresent()) {
        return Observation.found(v.get(), Source.file(d + "/version.json"));
      }
      problems.add("version.json has no cuda.version");
      notes.add(d + "/version.json: unreadable (no cuda.version); trying other sources");
    } else if (!json.error().equals("no such file")) {
      problems.add("version.json: " + json.error());
      notes.add(d + "/version.json: " + json.error());
    }
    MachineFs.Text txt = m.fs().readText(d + "/version.txt", 64 * 1024);
    if (txt.ok()) {
      Optional<String> v = ToolkitTexts.versionTxt(txt.text());
      if (v.isPresent()) {
        return Observation.found(v.get(), Source.file(d + "/version.txt"));
      }
      problems.add("version.txt has no 'CUDA Version'");
    }
    for (String h : List.of(d + "/include/cuda.h", d + "/targets/x86_64-linux/include/cuda.h", d + "/targets/sbsa-linux/include/cuda.h")) {
      // CUDA_VERSION sits near the top of cuda.h (~14 KB in); the file is over 1 MB.
      MachineFs.Text t = m.fs().readText(h, 64 * 1024);
      if (t.ok()) {
        Optional<String> v = ToolkitTexts.cudaHeader(t.text());
        if (v.isPresent()) {
          return Observation.found(v.get(), Source.file(h));
        }
        problems.add(h + " has no CUDA_VERSION");
      }
    }
    return Observation.absent(problems.isEmpty() ? "no version.json, version.txt or include/cuda.h" : String.join("; ", problems), Source.file(d));
  }

  /**
   * nvcc's own version: from the toolkit's package records when present (version.json's cuda_nvcc,
   * a pip wheel's dist-info, a conda package record), else {@code nvcc --version} where running
   * things is allowed.
   */
  private static Observation<String> nvccVersion(Machine m, String d, boolean hasNvcc) {
    if (!hasNvcc) {
      return Observation.absent("no bin/nvcc", Source.file(d + "/bin/nvcc"));
    }
    MachineFs.Text json = m.fs().readText(d + "/version.json", 1 << 20);
    if (json.ok()) {
      Matcher mm = Pattern.compile("\"cuda_nvcc\"\\s*:\\s*\\{[^}]*?\"version\"\\s*:\\s*\"([0-9.]+)\"", Pattern.DOTALL).matcher(json.text());
      if (mm.find()) {
        return Observation.found(mm.group(1), Source.file(d + "/version.json"));
      }
    }
    for (String name : m.fs().list(d + "/dist-info", 1000).names()) {
      Matcher w = WHEEL_NVCC.matcher(name);
      if (w.matches()) {
        return Observation.found(w.group(1), Source.file(d + "/dist-info/" + name));
      }
    }
    for (String name : m.fs().list(d + "/conda-meta", 10_000).names()) {
      Matcher c = CONDA_NVCC.matcher(name);
      if (c.matches()) {
        return Observation.found(c.group(1), Source.file(d + "/conda-meta/" + name));
      }
    }
    if (!m.mayExecute()) {
      return Observation.absent("no package record of nvcc's version, and nothing is run under --root", Source.file(d + "/bin/nvcc"));
    }
    return VersionQuery.ask(m, d + "/bin/nvcc", ToolkitTexts::nvccVersion);
  }

  /** Every nvcc on PATH, in order, with the chain of links and wrapper scripts behind it. */
  static List<NvccOnPath> nvccOnPath(Machine m, Notes notes) {
    List<NvccOnPath> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (String dir : m.getenv("PATH").orElse("").split(":")) {
      if (dir.isBlank() || !dir.startsWith("/")) {
        continue;
      }
      String p = (dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir) + "/nvcc";
      if (!seen.add(p) || !m.fs().isFile(p)) {
        continue;
      }
      List<String> chain = new ArrayList<>();
      String current = p;
      for (int hop = 0; hop < 8; hop++) {
        MachineFs.Resolved r = m.fs().resolve(current);
        if (!r.ok()) {
          break;
        }
        if (!r.path().equals(current)) {
          chain.add(r.path());
        }
        Optional<String> target = wrapperTarget(m, r.path());
        if (target.isEmpty() || chain.contains(target.get())) {
          current = r.path();
          break;
        }
        chain.add(target.get());
        current = target.get();
      }
      String toolkit = null;
      if (current.endsWith("/bin/nvcc")) {
        String home = current.substring(0, current.length() - "/bin/nvcc".length());
        if (looksLikeToolkit(m, home)) {
          toolkit = m.fs().resolve(home).path();
        }
      }
      if (toolkit == null) {
        notes.add(p + ": not inside a recognisable CUDA toolkit");
      }
      out.add(new NvccOnPath(p, chain, toolkit));
    }
    return out;
  }

  /** A small shell script that ends in {@code exec /some/bin/nvcc "$@"} forwards to that nvcc. */
  private static Optional<String> wrapperTarget(Machine m, String path) {
    Optional<byte[]> head = m.fs().readBytes(path, WRAPPER_MAX);
    if (head.isEmpty() || head.get().length < 3 || head.get()[0] != '#' || head.get()[1] != '!') {
      return Optional.empty();
    }
    Matcher w = EXEC_WRAPPER.matcher(new String(head.get(), java.nio.charset.StandardCharsets.UTF_8));
    return w.find() ? Optional.of(w.group(1)) : Optional.empty();
  }

  /** torch.utils.cpp_extension's order: CUDA_HOME, CUDA_PATH, dirname(dirname(which nvcc)), /usr/local/cuda. */
  private static Observation<ExtensionBuild> extensionBuild(Machine m, List<NvccOnPath> onPath, Map<String, Candidate> found) {
    String home;
    String by;
    Source src;
    if (m.getenv("CUDA_HOME").isPresent()) {
      home = m.getenv("CUDA_HOME").get();
      by = "$CUDA_HOME";
      src = Source.env("CUDA_HOME");
    } else if (m.getenv("CUDA_PATH").isPresent()) {
      home = m.getenv("CUDA_PATH").get();
      by = "$CUDA_PATH";
      src = Source.env("CUDA_PATH");
    } else if (!onPath.isEmpty()) {
      String nvcc = onPath.getFirst().path();
      home = nvcc.substring(0, nvcc.length() - "/bin/nvcc".length());
      if (home.isEmpty()) {
        home = "/";
      }
      by = "the directory above `which nvcc` (" + nvcc + ")";
      src = Source.env("PATH");
    } else if (m.fs().exists("/usr/local/cuda")) {
      home = "/usr/local/cuda";
      by = "the default /usr/local/cuda";
      src = Source.file("/usr/local/cuda");
    } else {
      return Observation.absent("no CUDA_HOME, CUDA_PATH, nvcc on PATH or /usr/local/cuda: extension builds find no CUDA", Source.env("CUDA_HOME"));
    }
    MachineFs.Resolved r = m.fs().resolve(home);
    String toolkit = r.ok() && found.containsKey(r.path()) ? r.path() : null;
    boolean hasNvcc = m.fs().isFile(home + "/bin/nvcc");
    boolean hasHeaders = m.fs().isFile(home + "/include/cuda_runtime_api.h") || m.fs().isFile(home + "/include/cuda.h");
    String note;
    if (!r.ok()) {
      note = home + ": " + r.error();
    } else if (toolkit == null && hasNvcc) {
      note = home + " is not a CUDA toolkit: " + home + "/bin/nvcc runs, but " + home + "/include has no CUDA headers, so builds that include cuda_runtime.h fail";
    } else if (toolkit == null) {
      note = home + " is not a CUDA toolkit (no bin/nvcc)";
    } else if (!hasNvcc) {
      note = home + " has no bin/nvcc";
    } else {
      note = hasHeaders ? "" : home + " has nvcc but no include/cuda.h";
    }
    boolean usable = toolkit != null && hasNvcc;
    return Observation.found(new ExtensionBuild(home, by, toolkit, usable, note), src);
  }

  /** Conda environment prefixes: the active one, the usual install roots and environments.txt. */
  static List<String> condaPrefixes(Machine m) {
    Set<String> out = new LinkedHashSet<>();
    m.getenv("CONDA_PREFIX").ifPresent(out::add);
    String home = m.getenv("HOME").orElse("/root");
    List<String> roots = List.of(home + "/miniconda3", home + "/anaconda3", home + "/miniforge3", home + "/mambaforge", "/opt/conda");
    for (String root : roots) {
      if (m.fs().isDirectory(root)) {
        out.add(root);
        for (String env : m.fs().list(root + "/envs", 1000).names()) {
          out.add(root + "/envs/" + env);
        }
      }
    }
    MachineFs.Text txt = m.fs().readText(home + "/.conda/environments.txt", 256 * 1024);
    if (txt.ok()) {
      txt.text().lines().map(String::strip).filter(s -> s.startsWith("/")).forEach(out::add);
    }
    return List.copyOf(out);
  }
}
