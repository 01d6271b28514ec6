package dev.cudastack.probe;

import dev.cudastack.model.ContainerInfo;
import dev.cudastack.model.Observation;
import dev.cudastack.model.OsInfo;
import dev.cudastack.model.Source;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Distribution, kernel, glibc, architecture, WSL2 and container facts. */
final class OsProbe implements Probe<OsInfo> {
  private static final List<String> LIBC_PATHS = List.of(
      "/lib/x86_64-linux-gnu/libc.so.6",
      "/usr/lib/x86_64-linux-gnu/libc.so.6",
      "/lib/aarch64-linux-gnu/libc.so.6",
      "/usr/lib/aarch64-linux-gnu/libc.so.6",
      "/lib64/libc.so.6",
      "/usr/lib64/libc.so.6",
      "/lib/libc.so.6",
      "/usr/lib/libc.so.6");
  private static final Pattern GLIBC_BANNER = Pattern.compile("release version (\\d+\\.\\d+)");
  private static final Pattern LDD = Pattern.compile("(\\d+\\.\\d+)\\s*$", Pattern.MULTILINE);
  private static final Pattern KERNEL = Pattern.compile("Linux version (\\S+)");
  private static final int LIBC_SCAN_LIMIT = 8 << 20;

  @Override
  public String name() {
    return "os";
  }

  @Override
  public OsInfo read(Machine m, Notes notes) {
    return new OsInfo(distro(m, notes), kernel(m), glibc(m, notes), architecture(m), wsl2(m), container(m));
  }

  @Override
  public OsInfo unavailable(Observation<String> why) {
    return new OsInfo(
        why.map(x -> null),
        why,
        why,
        why,
        why.map(x -> false),
        new ContainerInfo(why, Map.of(), why.map(x -> null)));
  }

  private Observation<OsInfo.Distro> distro(Machine m, Notes notes) {
    for (String p : List.of("/etc/os-release", "/usr/lib/os-release")) {
      MachineFs.Text t = m.fs().readText(p, 64 * 1024);
      if (t.ok()) {
        Optional<OsInfo.Distro> d = OsRelease.parse(t.text());
        if (d.isPresent()) {
          return Observation.found(d.get(), Source.file(p));
        }
        notes.add(p + ": no ID or NAME line");
        return Observation.failed("no ID or NAME line", Source.file(p));
      } else if (!t.error().equals("no such file")) {
        notes.add(p + ": " + t.error());
        return Observation.failed(t.error(), Source.file(p));
      }
    }
    return Observation.absent("no /etc/os-release", Source.file("/etc/os-release"));
  }

  private Observation<String> kernel(Machine m) {
    MachineFs.Text rel = m.fs().readText("/proc/sys/kernel/osrelease", 4096);
    if (rel.ok() && !rel.text().isBlank()) {
      return Observation.found(rel.text().strip(), Source.file("/proc/sys/kernel/osrelease"));
    }
    MachineFs.Text v = m.fs().readText("/proc/version", 4096);
    if (v.ok()) {
      Matcher km = KERNEL.matcher(v.text());
      if (km.find()) {
        return Observation.found(km.group(1), Source.file("/proc/version"));
      }
    }
    return Observation.absent("no /proc/sys/kernel/osrelease or /proc/version", Source.file("/proc/version"));
  }

  /**
   * On the live machine {@code getconf GNU_LIBC_VERSION} answers in a millisecond; under {@code
   * --root} (nothing may run) the version comes from the libc file: its name (libc-2.31.so) or the
   * "release version" banner in its data.
   */
  private Observation<String> glibc(Machine m, Notes notes) {
    if (m.mayExecute()) {
      CommandResult res = m.runner().run(List.of("getconf", "GNU_LIBC_VERSION"), m.timeout());
      Matcher g = LDD.matcher(res.stdout().strip());
      if (res.ok() && g.find()) {
        return Observation.found(g.group(1), Source.command("getconf GNU_LIBC_VERSION"));
      }
    }
    for (String p : LIBC_PATHS) {
      if (!m.fs().isFile(p)) {
        continue;
      }
      MachineFs.Resolved r = m.fs().resolve(p);
      Matcher named = Pattern.compile("libc-(\\d+\\.\\d+)\\.so$").matcher(r.path());
      if (named.find()) {
        return Observation.found(named.group(1), Source.file(r.path()));
      }
      Optional<byte[]> bytes = m.fs().readBytes(p, LIBC_SCAN_LIMIT);
      Optional<String> banner = bytes.flatMap(OsProbe::glibcBanner);
      if (banner.isPresent()) {
        return Observation.found(banner.get(), Source.file(r.path()));
      }
    }
    if (m.mayExecute()) {
      CommandResult res = m.runner().run(List.of("ldd", "--version"), m.timeout());
      if (res.ok()) {
        String first = res.stdout().lines().findFirst().orElse("");
        Matcher g = LDD.matcher(first);
        if (g.find()) {
          return Observation.found(g.group(1), Source.command("ldd --version"));
        }
      }
      notes.add("glibc version: " + res.failure());
    }
    return Observation.absent("no libc.so.6 in the standard directories", Source.file(LIBC_PATHS.getFirst()));
  }

  /** The "release version 2.36" banner that glibc carries in its read-only data. */
  static Optional<String> glibcBanner(byte[] data) {
    byte[] needle = "release version ".getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + needle.length < data.length; i++) {
      if (data[i] != 'r') {
        continue;
      }
      for (int j = 1; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      int end = i + needle.length;
      while (end < data.length && end - i < needle.length + 12 && (Character.isDigit(data[end]) || data[end] == '.')) {
        end++;
      }
      String v = new String(data, i + needle.length, end - i - needle.length, StandardCharsets.US_ASCII);
      if (v.endsWith(".")) {
        v = v.substring(0, v.length() - 1);
      }
      Matcher g = GLIBC_BANNER.matcher("release version " + v);
      if (g.find()) {
        return Optional.of(g.group(1));
      }
    }
    return Optional.empty();
  }

  private Observation<String> architecture(Machine m) {
    if (m.fs().isLive()) {
      String a = System.getProperty("os.arch", "");
      return Observation.found(a.equals("amd64") ? "x86_64" : a, Source.derived("the running JVM (os.arch)"));
    }
    for (String triple : List.of("x86_64-linux-gnu", "aarch64-linux-gnu", "powerpc64le-linux-gnu")) {
      if (m.fs().isDirectory("/usr/lib/" + triple) || m.fs().isDirectory("/lib/" + triple)) {
        return Observation.found(triple.substring(0, triple.indexOf('-')), Source.file("/usr/lib/" + triple));
      }
    }
    return Observation.absent("no multiarch library directory in the tree", Source.none());
  }

  private Observation<Boolean> wsl2(Machine m) {
    boolean wslLib = m.fs().isDirectory("/usr/lib/wsl/lib");
    MachineFs.Text v = m.fs().readText("/proc/version", 4096);
    boolean microsoft = v.ok() && v.text().toLowerCase(java.util.Locale.ROOT).contains("microsoft");
    if (wslLib) {
      return Observation.found(true, Source.file("/usr/lib/wsl/lib"));
    }
    if (microsoft) {
      return Observation.found(true, Source.file("/proc/version"));
    }
    return Observation.found(false, Source.derived("no /usr/lib/wsl/lib and no Microsoft kernel in /proc/version"));
  }

  private ContainerInfo container(Machine m) {
    Observation<String> runtime;
    if (m.fs().exists("/.dockerenv")) {
      runtime = Observation.found("docker", Source.file("/.dockerenv"));
    } else if (m.fs().exists("/run/.containerenv")) {
      runtime = Observation.found("podman", Source.file("/run/.containerenv"));
    } else if (m.getenv("container").isPresent()) {
      runtime = Observation.found(m.getenv("container").get(), Source.env("container"));
    } else {
      runtime = Observation.absent("no /.dockerenv, /run/.containerenv or $container", Source.none());
    }
    Map<String, String> nv = new TreeMap<>();
    m.env().forEach((k, v) -> {
      if (k.startsWith("NVIDIA_") || k.startsWith("NV_")) {
        nv.put(k, v);
      }
    });
    Observation<ContainerInfo.RequireCuda> require = m.getenv("NVIDIA_REQUIRE_CUDA")
        .map(raw -> RequireCudaParser.parse(raw)
            .map(r -> Observation.found(r, Source.env("NVIDIA_REQUIRE_CUDA")))
            .orElse(Observation.failed("cannot parse '" + raw + "'", Source.env("NVIDIA_REQUIRE_CUDA"))))
        .orElse(Observation.absent("NVIDIA_REQUIRE_CUDA is not set", Source.env("NVIDIA_REQUIRE_CUDA")));
    return new ContainerInfo(runtime, nv, require);
  }
}
