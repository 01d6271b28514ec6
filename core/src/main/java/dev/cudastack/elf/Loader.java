package dev.cudastack.elf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which file the dynamic loader (glibc's ld.so) would map for each DT_NEEDED of a binary, and
 * why, following its search order: DT_RPATH — only when the object has no DT_RUNPATH, and
 * inherited from the objects that loaded it — then LD_LIBRARY_PATH, then the object's own
 * DT_RUNPATH (not inherited), then /etc/ld.so.cache, then the default directories; a library
 * already loaded under that SONAME is reused. $ORIGIN, $LIB and $PLATFORM are expanded. Then
 * every undefined versioned symbol is looked up in the library that would provide it. Nothing is
 * loaded or run: files are only read.
 */
public final class Loader {
  /** The filesystem seen from the inspected root (the --root seam). */
  public interface Fs {
    /** The path after symlinks, if a regular file exists there. */
    Optional<String> file(String machinePath);

    /** The host path to read for a machine path (after {@link #file}). */
    Path host(String machinePath);
  }

  /** One library loaded: what was asked for, by whom, the file chosen and how it was found. */
  public record Load(String needed, String by, String path, String how) {}

  /** A library no search found. */
  public record Missing(String needed, String by, List<String> searched) {
    public Missing {
      searched = List.copyOf(searched);
    }
  }

  /** An undefined versioned symbol its provider does not define. */
  public record Unresolved(String object, String symbol, String version, String provider, String providerDefines) {}

  /** The whole plan for one binary. */
  public record Plan(String root, List<Load> loads, List<Missing> missing, List<Unresolved> unresolved, List<String> problems) {
    public Plan {
      loads = List.copyOf(loads);
      missing = List.copyOf(missing);
      unresolved = List.copyOf(unresolved);
      problems = List.copyOf(problems);
    }

    public Optional<Load> load(String soname) {
      return loads.stream().filter(l -> l.needed().equals(soname)).findFirst();
    }
  }

  private static final int MAX_OBJECTS = 2000;
  private final Fs fs;
  private final List<String> ldLibraryPath;
  private final Map<String, List<String>> cache;
  private final List<String> defaults;
  private final String lib;

  /**
   * @param ldLibraryPath the LD_LIBRARY_PATH value (null or empty: none)
   * @param cache ld.so.cache: library name → paths, in the cache's order
   * @param defaults the default directories, in order
   * @param lib what $LIB expands to ("lib/x86_64-linux-gnu" on Debian, "lib64" elsewhere)
   */
  public Loader(Fs fs, String ldLibraryPath, Map<String, List<String>> cache, List<String> defaults, String lib) {
    this.fs = fs;
    List<String> ld = new ArrayList<>();
    if (ldLibraryPath != null) {
      for (String d : ldLibraryPath.split("[:;]")) {
        // An empty entry means the current directory; it is not followed here.
        if (!d.isBlank()) {
          ld.add(d);
        }
      }
    }
    this.ldLibraryPath = List.copyOf(ld);
    this.cache = Map.copyOf(cache);
    this.defaults = List.copyOf(defaults);
    this.lib = lib;
  }

  /**
   * An object in the simulated process: its path as reported, the path as the loader opened it
   * (what $ORIGIN is taken from), its ELF facts, and the object that loaded it.
   */
  private record Obj(String path, String opened, ElfFile elf, Obj loader) {}

  /** Where a DT_NEEDED was found: the path reported, the path opened, and the rule that found it. */
  private record Found(String path, String opened, String how) {}

  /** Simulates loading {@code machinePath}; {@code symbols} also checks versioned symbols (reads every dynamic symbol table). */
  public Plan plan(String machinePath, boolean symbols) {
    return plan(machinePath, symbols, List.of());
  }

  /**
   * As above, in a process that has already loaded {@code preload} (a Python extension is loaded
   * after `import torch` has loaded torch's libraries, which then satisfy its DT_NEEDED by SONAME).
   * With symbols, the root's undefined unversioned C++ symbols of torch's namespaces (c10, at,
   * torch) must also be defined by some loaded library.
   */
  public Plan plan(String machinePath, boolean symbols, List<String> preload) {
    List<Load> loads = new ArrayList<>();
    List<Missing> missing = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Map<String, Obj> bySoname = new LinkedHashMap<>();
    Map<String, Obj> byPath = new HashMap<>();
    Optional<Obj> root = open(machinePath, machinePath, null, symbols, problems);
    if (root.isEmpty()) {
      return new Plan(machinePath, loads, missing, List.of(), problems);
    }
    // ld.so maps only libraries built for the machine of the program (e_machine); -1: unknown, any 64-bit one.
    int machine = machine(machinePath);
    Deque<Obj> queue = new ArrayDeque<>();
    for (String p : preload) {
      Optional<Obj> pre = byPath.containsKey(p) ? Optional.empty() : open(p, p, null, symbols, problems);
      if (pre.isPresent()) {
        register(pre.get(), bySoname, byPath);
        queue.add(pre.get());
      }
    }
    queue.add(root.get());
    register(root.get(), bySoname, byPath);
    Map<Obj, Map<String, Obj>> providers = new HashMap<>();
    while (!queue.isEmpty() && byPath.size() < MAX_OBJECTS) {
      Obj o = queue.poll();
      Map<String, Obj> mine = new LinkedHashMap<>();
      providers.put(o, mine);
      for (String needed : o.elf().needed()) {
        Obj already = bySoname.get(needed);
        if (already != null) {
          mine.put(needed, already);
          continue;
        }
        List<String> searched = new ArrayList<>();
        Optional<Found> found = search(o, needed, machine, searched);
        if (found.isEmpty()) {
          missing.add(new Missing(needed, o.path(), searched));
          continue;
        }
        String path = found.get().path();
        Obj loaded = byPath.get(path);
        if (loaded == null) {
          Optional<Obj> opened = open(path, found.get().opened(), o, symbols, problems);
          if (opened.isEmpty()) {
            missing.add(new Missing(needed, o.path(), searched));
            continue;
          }
          loaded = opened.get();
          register(loaded, bySoname, byPath);
          queue.add(loaded);
        }
        bySoname.putIfAbsent(needed, loaded);
        mine.put(needed, loaded);
        loads.add(new Load(needed, o.path(), path, found.get().how()));
      }
    }
    List<Unresolved> unresolved = symbols ? unresolved(providers) : new ArrayList<>();
    if (symbols && !preload.isEmpty()) {
      unresolved = new ArrayList<>(unresolved);
      unresolved.addAll(torchSymbols(root.get(), providers));
    }
    return new Plan(machinePath, loads, missing, unresolved, problems);
  }

  private static void register(Obj o, Map<String, Obj> bySoname, Map<String, Obj> byPath) {
    byPath.put(o.path(), o);
    if (o.elf().soname() != null) {
      bySoname.putIfAbsent(o.elf().soname(), o);
    }
  }

  private Optional<Obj> open(String path, String opened, Obj loader, boolean symbols, List<String> problems) {
    Optional<String> real = fs.file(opened);
    if (real.isEmpty()) {
      problems.add(path + ": no such file");
      return Optional.empty();
    }
    try {
      return Optional.of(new Obj(path, opened, ElfFile.read(fs.host(real.get()), symbols), loader));
    } catch (ElfFile.NotElf e) {
      problems.add(path + ": " + e.getMessage());
    } catch (IOException e) {
      problems.add(path + ": cannot read (" + e.getMessage() + ")");
    }
    return Optional.empty();
  }

  /** The file for one DT_NEEDED and how it was found. */
  private Optional<Found> search(Obj o, String needed, int machine, List<String> searched) {
    if (needed.contains("/")) {
      if (!needed.startsWith("/")) {
        searched.add(needed + CWD_RELATIVE);
        return Optional.empty();
      }
      return fs.file(needed).isPresent() ? Optional.of(new Found(needed, needed, "a path in DT_NEEDED")) : Optional.empty();
    }
    if (o.elf().runpath().isEmpty()) {
      for (Obj l = o; l != null; l = l.loader()) {
        if (!l.elf().runpath().isEmpty()) {
          continue; // an object with RUNPATH contributes no RPATH
        }
        for (String d : l.elf().rpath()) {
          Optional<Found> hit = in(expand(d, l.opened()), needed, machine, searched);
          if (hit.isPresent()) {
            return Optional.of(rule(hit.get(), "DT_RPATH of " + name(l.path()), d));
          }
        }
      }
    }
    for (String dir : ldLibraryPath) {
      Optional<Found> hit = in(dir, needed, machine, searched);
      if (hit.isPresent()) {
        return Optional.of(new Found(hit.get().path(), hit.get().opened(), "LD_LIBRARY_PATH (" + dir + ")"));
      }
    }
    for (String d : o.elf().runpath()) {
      Optional<Found> hit = in(expand(d, o.opened()), needed, machine, searched);
      if (hit.isPresent()) {
        return Optional.of(rule(hit.get(), "DT_RUNPATH of " + name(o.path()), d));
      }
    }
    for (String p : cache.getOrDefault(needed, List.of())) {
      boolean exists = fs.file(p).isPresent();
      String skipped = exists ? incompatible(p, machine) : null;
      searched.add("ld.so.cache → " + p + (skipped == null ? "" : " (skipped: " + skipped + ")"));
      if (exists && skipped == null) {
        return Optional.of(new Found(p, p, "/etc/ld.so.cache"));
      }
    }
    for (String dir : defaults) {
      Optional<Found> hit = in(dir, needed, machine, searched);
      if (hit.isPresent()) {
        return Optional.of(new Found(hit.get().path(), hit.get().opened(), "default directory " + dir));
      }
    }
    return Optional.empty();
  }

  private static final String CWD_RELATIVE = " (relative to the process's working directory: not searched)";

  /** A hit with its rule and the entry that found it: "DT_RPATH of libx.so ($ORIGIN/../lib = /opt/lib)". */
  private static Found rule(Found hit, String rule, String entry) {
    String dir = hit.path().substring(0, Math.max(1, hit.path().lastIndexOf('/')));
    return new Found(hit.path(), hit.opened(), rule + " (" + entry + (entry.equals(dir) ? "" : " = " + dir) + ")");
  }

  /**
   * Looks for {@code needed} in one directory, as the loader does: the joined path is opened as
   * it is, {@code ..} and symlinks left to the filesystem (a {@code ..} after a symlinked
   * directory leads out of the link's target, not back to where the link is). A relative
   * directory is relative to the process's working directory, which is unknown here: it is noted
   * and not searched. A file of another class (32-bit) or for another machine is skipped.
   */
  private Optional<Found> in(String dir, String needed, int machine, List<String> searched) {
    String opened = (dir.endsWith("/") ? dir : dir + "/") + needed;
    if (!dir.startsWith("/")) {
      searched.add(opened + CWD_RELATIVE);
      return Optional.empty();
    }
    Optional<String> real = fs.file(opened);
    String shown = shown(opened, real);
    String skipped = real.isPresent() ? incompatible(opened, machine) : null;
    searched.add(skipped == null ? shown : shown + " (skipped: " + skipped + ")");
    return real.isPresent() && skipped == null ? Optional.of(new Found(shown, opened, "")) : Optional.empty();
  }

  /**
   * The path to report for one the loader opens: without "." and ".." when that names the same
   * file (or, both missing, the same nothing), as it is otherwise.
   */
  private String shown(String opened, Optional<String> real) {
    String plain = normalize(opened);
    return plain.equals(opened) || fs.file(plain).equals(real) ? plain : opened;
  }

  /** Why ld.so would skip this file: not a 64-bit ELF file, or one for another machine; null when it would map it. */
  private String incompatible(String path, int machine) {
    int m = machine(path);
    if (m == -1) {
      return "not a 64-bit little-endian ELF file";
    }
    return machine != -1 && m != machine ? "built for another machine (e_machine " + m + ", not " + machine + ")" : null;
  }

  /** The e_machine of a 64-bit little-endian ELF file (62 x86-64, 183 AArch64), or -1. */
  private int machine(String path) {
    try (var ch = java.nio.channels.FileChannel.open(fs.host(fs.file(path).orElse(path)))) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      while (b.hasRemaining() && ch.read(b) > 0) {
        // a file shorter than its header is not ELF
      }
      boolean elf64 = b.position() == 20 && b.get(0) == 0x7f && b.get(1) == 'E' && b.get(2) == 'L' && b.get(3) == 'F' && b.get(4) == 2 && b.get(5) == 1;
      return elf64 ? b.getShort(18) & 0xffff : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** $ORIGIN (the object's directory, as it was opened), $LIB and $PLATFORM, in both spellings; nothing else is rewritten. */
  private String expand(String d, String objectPath) {
    String origin = objectPath.lastIndexOf('/') > 0 ? objectPath.substring(0, objectPath.lastIndexOf('/')) : "/";
    return d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin).replace("${LIB}", lib).replace("$LIB", lib)
        .replace("${PLATFORM}", "x86_64").replace("$PLATFORM", "x86_64");
  }

  /** "/a/b/../../c" → "/c", textually: for reporting a path, never for looking it up. */
  static String normalize(String p) {
    Deque<String> parts = new ArrayDeque<>();
    for (String s : p.split("/")) {
      if (s.isEmpty() || s.equals(".")) {
        continue;
      }
      if (s.equals("..")) {
        parts.pollLast();
      } else {
        parts.addLast(s);
      }
    }
    return "/" + String.join("/", parts);
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /**
   * The loader's two version checks. First, every version an object needs from a library
   * (DT_VERNEED) must be defined by the file that provides that library ("version `GLIBC_2.34' not
   * found"). Then every undefined versioned symbol must be defined, in that version, by some loaded
   * object — the dynamic loader itself included, which defines some of glibc's (__tls_get_addr).
   * A symbol is reported "unresolved" only when no loaded object has it.
   */
  private List<Unresolved> unresolved(Map<Obj, Map<String, Obj>> providers) {
    List<Unresolved> out = new ArrayList<>();
    Set<String> global = new HashSet<>();
    List<Obj> all = new ArrayList<>(providers.keySet());
    interpreter(providers.keySet()).ifPresent(all::add);
    for (Obj o : all) {
      for (ElfFile.Symbol s : o.elf().symbols()) {
        if (s.defined()) {
          global.add(s.name() + "@" + s.version());
        }
      }
    }
    for (Map.Entry<Obj, Map<String, Obj>> e : providers.entrySet()) {
      Obj o = e.getKey();
      Set<String> neededVersions = new HashSet<>();
      for (ElfFile.VersionNeed n : o.elf().versionsNeeded()) {
        Obj provider = e.getValue().get(n.file());
        for (String v : n.versions()) {
          neededVersions.add(v);
          if (provider != null && !provider.elf().versionsDefined().contains(v) && !v.equals(provider.elf().soname())) {
            out.add(new Unresolved(o.path(), "", v, provider.path(), String.join(", ", last(provider.elf().versionsDefined(), 3))));
          }
        }
      }
      Set<String> unprovided = new HashSet<>();
      for (ElfFile.VersionNeed n : o.elf().versionsNeeded()) {
        if (e.getValue().get(n.file()) == null) {
          unprovided.addAll(n.versions()); // its library is missing, which is reported as such
        }
      }
      for (ElfFile.Symbol s : o.elf().symbols()) {
        if (s.defined() || s.version() == null || !neededVersions.contains(s.version()) || unprovided.contains(s.version())) {
          continue;
        }
        if (!global.contains(s.name() + "@" + s.version())) {
          Obj provider = null;
          for (ElfFile.VersionNeed n : o.elf().versionsNeeded()) {
            if (n.versions().contains(s.version())) {
              provider = e.getValue().get(n.file());
            }
          }
          out.add(new Unresolved(o.path(), s.name(), s.version(), provider == null ? "" : provider.path(), provider == null ? "" : similar(provider, s.name())));
        }
      }
    }
    out.sort((a, b) -> a.object().equals(b.object()) ? a.symbol().compareTo(b.symbol()) : a.object().compareTo(b.object()));
    return out;
  }

  private static final java.util.regex.Pattern TORCH_NAMESPACES = java.util.regex.Pattern.compile("^_ZN?K?(3c10|2at|5torch)");

  /** The root's undefined, unversioned, non-weak symbols in c10::, at::, torch:: that no loaded object defines. */
  private static List<Unresolved> torchSymbols(Obj root, Map<Obj, Map<String, Obj>> providers) {
    Set<String> defined = new HashSet<>();
    for (Obj o : providers.keySet()) {
      if (o == root) {
        continue;
      }
      for (ElfFile.Symbol s : o.elf().symbols()) {
        if (s.defined()) {
          defined.add(s.name());
        }
      }
    }
    List<Unresolved> out = new ArrayList<>();
    for (ElfFile.Symbol s : root.elf().symbols()) {
      if (!s.defined() && !s.weak() && s.version() == null && TORCH_NAMESPACES.matcher(s.name()).find() && !defined.contains(s.name())) {
        out.add(new Unresolved(root.path(), s.name(), "", "", ""));
      }
    }
    return out;
  }

  private static List<String> last(List<String> l, int n) {
    return l.size() <= n ? l : l.subList(l.size() - n, l.size());
  }

  /** The dynamic loader (ld-linux), which is always in the process, when it is not already among the objects. */
  private Optional<Obj> interpreter(Set<Obj> loaded) {
    for (Obj o : loaded) {
      if (o.elf().soname() != null && o.elf().soname().startsWith("ld-linux")) {
        return Optional.empty();
      }
    }
    for (String dir : defaults) {
      for (String name : List.of("ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1")) {
        String p = dir + "/" + name;
        Optional<String> real = fs.file(p);
        if (real.isPresent()) {
          try {
            return Optional.of(new Obj(p, p, ElfFile.read(fs.host(real.get()), true), null));
          } catch (ElfFile.NotElf | IOException e) {
            return Optional.empty();
          }
        }
      }
    }
    return Optional.empty();
  }

  /** What the provider defines that looks like the missing symbol ("__nvJitLinkComplete_12_1"), for the explanation. */
  private static String similar(Obj provider, String symbol) {
    String stem = symbol.replaceAll("_\\d+(_\\d+)*$", "");
    List<String> like = new ArrayList<>();
    for (ElfFile.Symbol s : provider.elf().symbols()) {
      if (s.defined() && !s.name().equals(symbol) && s.name().startsWith(stem)) {
        like.add(s.name());
      }
    }
    like.sort(null);
    return like.isEmpty() ? "" : like.size() > 3 ? String.join(", ", like.subList(like.size() - 3, like.size())) : String.join(", ", like);
  }
}
