package dev.cudastack.probe;

import dev.cudastack.model.LibraryInfo;
import dev.cudastack.model.LibraryInfo.CudaLibrary;
import dev.cudastack.model.LibraryInfo.HeaderVersion;
import dev.cudastack.model.Observation;
import dev.cudastack.model.Source;
import dev.cudastack.model.ToolkitInfo;
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
 * Finds the CUDA libraries that matter to frameworks — cudart, cuBLAS, cuBLASLt, cuDNN, NCCL,
 * nvJitLink — through LD_LIBRARY_PATH, the loader cache (parsed from /etc/ld.so.cache itself), the
 * toolkits and the standard directories. Each real file is listed once with every way to it.
 */
final class LibraryProbe {
  static final Pattern LIBRARY = Pattern.compile("^lib(cudart|cublas|cublasLt|cudnn|nccl|nvJitLink)\\.so((?:\\.\\d+)*)$");
  static final List<String> STANDARD_DIRS = List.of(
      "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
      "/usr/local/lib", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu");
  private static final List<String> HEADER_DIRS = List.of("/usr/include", "/usr/include/x86_64-linux-gnu", "/usr/local/include");
  private static final int CACHE_MAX = 64 << 20;

  String name() {
    return "libraries";
  }

  LibraryInfo unavailable(Observation<String> why) {
    return new LibraryInfo(List.of(), List.of(), why.map(x -> 0));
  }

  private static final class Seen {
    final String path;
    final String realPath;
    final Set<String> via = new LinkedHashSet<>();

    Seen(String path, String realPath) {
      this.path = path;
      this.realPath = realPath;
    }
  }

  LibraryInfo read(Machine m, Notes notes, ToolkitInfo toolkits) {
    Map<String, Seen> byReal = new LinkedHashMap<>();
    for (String dir : m.getenv("LD_LIBRARY_PATH").orElse("").split(":")) {
      if (!dir.isBlank()) {
        scanDir(m, notes, byReal, dir, "LD_LIBRARY_PATH");
      }
    }
    Observation<Integer> cache = scanCache(m, notes, byReal);
    for (ToolkitInfo.ToolkitInstall t : toolkits.installs()) {
      for (String sub : List.of("lib64", "lib", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib")) {
        scanDir(m, notes, byReal, t.path() + "/" + sub, "toolkit " + t.path());
      }
    }
    for (String dir : STANDARD_DIRS) {
      scanDir(m, notes, byReal, dir, "standard directory");
    }
    List<CudaLibrary> files = new ArrayList<>();
    for (Seen s : byReal.values()) {
      String realName = s.realPath.substring(s.realPath.lastIndexOf('/') + 1);
      Matcher mm = LIBRARY.matcher(realName);
      String lib = mm.matches() ? mm.group(1) : libraryOf(s.path);
      files.add(new CudaLibrary(lib, s.path, s.realPath, versionOf(realName, s.realPath), List.copyOf(s.via)));
    }
    return new LibraryInfo(files, cudnnHeaders(m, toolkits), cache);
  }

  private static String libraryOf(String path) {
    Matcher mm = LIBRARY.matcher(path.substring(path.lastIndexOf('/') + 1));
    return mm.matches() ? mm.group(1) : "unknown";
  }

  /** The version in the real file's name: libcudnn.so.9.14.0 → 9.14.0; libcudnn.so.9 → 9 (major only). */
  private static Observation<String> versionOf(String realName, String realPath) {
    Matcher mm = LIBRARY.matcher(realName);
    if (!mm.matches() || mm.group(2).isEmpty()) {
      return Observation.absent("the file name carries no version", Source.file(realPath));
    }
    return Observation.found(mm.group(2).substring(1), Source.file(realPath));
  }

  private static void scanDir(Machine m, Notes notes, Map<String, Seen> byReal, String dir, String via) {
    if (dir.endsWith("/stubs")) {
      return;
    }
    MachineFs.Listing l = m.fs().list(dir, 50_000);
    if (!l.ok()) {
      if (!l.error().equals("no such directory") && !l.error().equals("no such file")) {
        notes.add(dir + " (" + via + "): " + l.error());
      }
      return;
    }
    for (String name : l.names()) {
      if (LIBRARY.matcher(name).matches()) {
        record(m, notes, byReal, dir + "/" + name, via + (via.startsWith("toolkit") || via.startsWith("standard") ? "" : " " + dir));
      }
    }
  }

  private static void record(Machine m, Notes notes, Map<String, Seen> byReal, String path, String via) {
    MachineFs.Resolved r = m.fs().resolve(path);
    if (!r.ok()) {
      notes.add(path + ": " + r.error());
      return;
    }
    Seen s = byReal.computeIfAbsent(r.path(), real -> new Seen(path, real));
    s.via.add(via);
  }

  private static Observation<Integer> scanCache(Machine m, Notes notes, Map<String, Seen> byReal) {
    String p = "/etc/ld.so.cache";
    Source src = Source.file(p);
    if (!m.fs().isFile(p)) {
      return Observation.absent("no " + p, src);
    }
    Optional<byte[]> bytes = m.fs().readBytes(p, CACHE_MAX);
    if (bytes.isEmpty()) {
      notes.add(p + ": unreadable");
      return Observation.failed("unreadable", src);
    }
    LdSoCache.Parsed parsed;
    try {
      parsed = LdSoCache.parse(bytes.get());
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      notes.add(p + ": " + e.getMessage());
      return Observation.failed(String.valueOf(e.getMessage()), src);
    }
    for (LdSoCache.Entry e : parsed.entries()) {
      if (LIBRARY.matcher(e.name()).matches() && e.path().startsWith("/")) {
        record(m, notes, byReal, e.path(), "ld.so.cache (" + e.name() + ", " + e.describeFlags() + ")");
      }
    }
    return Observation.found(parsed.entries().size(), new Source(Source.Kind.FILE, p + " (" + parsed.format() + " format)"));
  }

  private static List<HeaderVersion> cudnnHeaders(Machine m, ToolkitInfo toolkits) {
    Set<String> dirs = new LinkedHashSet<>(HEADER_DIRS);
    for (ToolkitInfo.ToolkitInstall t : toolkits.installs()) {
      dirs.add(t.path() + "/include");
    }
    Set<String> seenReal = new LinkedHashSet<>();
    List<HeaderVersion> out = new ArrayList<>();
    for (String d : dirs) {
      for (String h : List.of("cudnn_version.h", "cudnn.h")) {
        String p = d + "/" + h;
        MachineFs.Resolved r = m.fs().resolve(p);
        if (!r.ok() || !seenReal.add(r.path())) {
          continue;
        }
        MachineFs.Text t = m.fs().readText(p, 1 << 20);
        Observation<String> v = !t.ok()
            ? Observation.failed(t.error(), Source.file(p))
            : CompilerTexts.cudnnVersion(t.text())
                .map(x -> Observation.found(x, Source.file(p)))
                .orElse(Observation.<String>absent("no CUDNN_MAJOR/MINOR defines", Source.file(p)));
        if (h.equals("cudnn.h") && !v.isFound()) {
          continue;
        }
        out.add(new HeaderVersion(p, v));
        break;
      }
    }
    return out;
  }
}
