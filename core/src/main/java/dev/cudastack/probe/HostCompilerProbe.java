package dev.cudastack.probe;

import dev.cudastack.model.HostCompilerInfo;
import dev.cudastack.model.HostCompilerInfo.Compiler;
import dev.cudastack.model.Observation;
import dev.cudastack.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host compiler nvcc would use. nvcc takes NVCC_CCBIN when set; CMake-based builds pass
 * CUDAHOSTCXX; torch.utils.cpp_extension passes $CC as -ccbin; otherwise nvcc runs the gcc first on
 * PATH. Versions come from {@code --version}, or under {@code --root} from the compiler's name
 * (gcc-9) or /usr/lib/gcc/TRIPLE/N.
 */
final class HostCompilerProbe implements Probe<HostCompilerInfo> {
  private static final Pattern NUMERIC = Pattern.compile("\\d+(\\.\\d+)*");
  private static final Pattern SUFFIX = Pattern.compile("-(\\d+(?:\\.\\d+)*)$");

  @Override
  public String name() {
    return "host-compiler";
  }

  @Override
  public HostCompilerInfo unavailable(Observation<String> why) {
    return new HostCompilerInfo(List.of(), why.map(x -> null));
  }

  @Override
  public HostCompilerInfo read(Machine m, Notes notes) {
    List<String[]> found = new ArrayList<>();
    for (String var : List.of("NVCC_CCBIN", "CUDAHOSTCXX", "CC", "CXX")) {
      Optional<String> v = m.getenv(var);
      if (v.isPresent()) {
        String path = v.get().startsWith("/") ? v.get() : which(m, v.get()).orElse(v.get());
        found.add(new String[] {path, "$" + var});
      }
    }
    for (String exe : List.of("gcc", "g++", "clang")) {
      which(m, exe).ifPresent(p -> found.add(new String[] {p, "PATH"}));
    }
    // Each --version is a process start: run them side by side.
    List<java.util.concurrent.CompletableFuture<Compiler>> futures = new ArrayList<>();
    java.util.Map<String, java.util.concurrent.CompletableFuture<Observation<String>>> versions = new java.util.HashMap<>();
    for (String[] f : found) {
      // Only the compilers nvcc may run are asked; the others are named from their files.
      boolean ask = !f[1].equals("PATH") || f[0].endsWith("/gcc");
      var v = versions.computeIfAbsent(f[0], path -> java.util.concurrent.CompletableFuture.supplyAsync(
          () -> ask ? version(m, path) : staticVersion(m, path), Background.DAEMON));
      futures.add(v.thenApply(ver -> new Compiler(family(f[0]), f[0], f[1], ver)));
    }
    List<Compiler> candidates = futures.stream().map(java.util.concurrent.CompletableFuture::join).toList();
    Observation<Compiler> selected = candidates.stream()
        .filter(c -> !c.chosenBy().equals("$CXX") && !c.family().startsWith("clang") && !c.family().equals("g++") || c.chosenBy().equals("$NVCC_CCBIN") || c.chosenBy().equals("$CUDAHOSTCXX"))
        .findFirst()
        .map(c -> Observation.found(c, c.chosenBy().equals("PATH") ? Source.env("PATH") : Source.env(c.chosenBy().substring(1))))
        .orElse(Observation.absent("no NVCC_CCBIN, CUDAHOSTCXX, CC or gcc on PATH", Source.env("PATH")));
    return new HostCompilerInfo(candidates, selected);
  }

  private static String family(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.contains("clang")) {
      return name.contains("++") ? "clang++" : "clang";
    }
    return name.contains("++") ? "g++" : "gcc";
  }

  private static Optional<String> which(Machine m, String exe) {
    for (String dir : m.getenv("PATH").orElse("").split(":")) {
      if (dir.startsWith("/")) {
        String p = (dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir) + "/" + exe;
        if (m.fs().isFile(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  private static Observation<String> version(Machine m, String path) {
    return m.mayExecute() ? VersionQuery.ask(m, path, CompilerTexts::compilerVersion) : staticVersion(m, path);
  }

  /** Without running it: the version suffix of the real file (gcc-9), else the newest /usr/lib/gcc/TRIPLE/N. */
  static Observation<String> staticVersion(Machine m, String path) {
    MachineFs.Resolved r = m.fs().resolve(path);
    String real = r.ok() ? r.path() : path;
    Matcher s = SUFFIX.matcher(real.substring(real.lastIndexOf('/') + 1));
    if (s.find()) {
      return Observation.found(s.group(1), Source.file(real));
    }
    if (family(real).startsWith("g")) {
      String best = null;
      String where = null;
      for (String triple : m.fs().list("/usr/lib/gcc", 100).names()) {
        for (String v : m.fs().list("/usr/lib/gcc/" + triple, 100).names()) {
          if (NUMERIC.matcher(v).matches() && (best == null || dev.cudastack.model.VersionOrder.compare(v, best) > 0)) {
            best = v;
            where = "/usr/lib/gcc/" + triple + "/" + v;
          }
        }
      }
      if (best != null) {
        return Observation.found(best, Source.file(where));
      }
    }
    return Observation.absent("no version in the file name and no /usr/lib/gcc/TRIPLE/N directory", Source.file(real));
  }

}
