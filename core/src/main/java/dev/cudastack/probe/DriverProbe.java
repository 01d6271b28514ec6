package dev.cudastack.probe;

import dev.cudastack.model.DriverInfo;
import dev.cudastack.model.GpuInfo;
import dev.cudastack.model.GpuInfo.Gpu;
import dev.cudastack.model.Observation;
import dev.cudastack.model.Source;
import dev.cudastack.probe.NativeAccess.NvmlReading;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The NVIDIA driver and the GPUs: kernel module, user-space library versions, what NVML and
 * libcuda report (falling back to nvidia-smi), forward-compatibility libcuda copies, and the
 * devices (from NVML, nvidia-smi, or /proc/driver/nvidia/gpus when nothing may be executed).
 */
final class DriverProbe implements Probe<DriverProbe.Result> {
  /** Where a driver's user-space libraries usually live (containers add /usr/local/nvidia). */
  static final List<String> DRIVER_LIB_DIRS = List.of(
      "/usr/lib/x86_64-linux-gnu",
      "/usr/lib/aarch64-linux-gnu",
      "/usr/lib64",
      "/usr/lib",
      "/lib/x86_64-linux-gnu",
      "/lib64",
      "/usr/local/nvidia/lib64",
      "/usr/lib/wsl/lib");

  record Result(DriverInfo driver, GpuInfo gpus) {}

  @Override
  public String name() {
    return "driver";
  }

  @Override
  public Result unavailable(Observation<String> why) {
    return new Result(
        new DriverInfo(why, why, why, why, why, why, why, why, List.of()), new GpuInfo(why, List.of()));
  }

  @Override
  public Result read(Machine m, Notes notes) {
    Observation<String> sysModule = sysModule(m);
    Observation<Map.Entry<String, String>> procLine = procVersion(m, notes);
    Observation<String> kernelModule = Observation.firstFound(sysModule, procLine.map(Map.Entry::getKey));
    Observation<String> description = procLine.map(Map.Entry::getValue);
    List<String> libDirs = driverLibDirs(m);
    Observation<String> libcuda = userSpaceVersion(m, libDirs, "libcuda.so");
    Observation<String> libnvml = userSpaceVersion(m, libDirs, "libnvidia-ml.so");

    // With no kernel module and no driver library in sight there is nothing to load, and no
    // reason to pay for loading nothing.
    boolean driverVisible = kernelModule.isFound() || libcuda.isFound() || libnvml.isFound() || m.fs().isDirectory("/proc/driver/nvidia");
    NativeAccess natives = driverVisible || !m.mayExecute()
        ? m.natives()
        : NativeAccess.none("no NVIDIA kernel module and no libcuda/libnvidia-ml in the driver library directories");
    CompletableFuture<NvmlReading> nvmlF = CompletableFuture.supplyAsync(
        () -> natives.nvml(m.timeout()), Background.DAEMON);
    CompletableFuture<Observation<Integer>> cudaF = CompletableFuture.supplyAsync(
        () -> natives.cudaDriverVersion(m.timeout()), Background.DAEMON);
    List<DriverInfo.CompatLibrary> compat = compatLibraries(m);

    NvmlReading nvml = nvmlF.join();
    Observation<Integer> cudaApi = cudaF.join();
    Observation<String> nvmlInit = nvml.init();
    Observation<String> reported = nvml.driverVersion();
    Observation<String> cudaNvml = nvml.cudaDriverVersion().map(ToolkitTexts::decode);
    GpuInfo gpus;
    if (nvml.init().isFound()) {
      gpus = fromNvml(nvml);
    } else if (m.mayExecute() && driverVisible && !(nvml.init() instanceof Observation.TimedOut<String>)) {
      NvidiaSmi smi = nvidiaSmi(m, notes);
      if (smi.mismatch().isPresent()) {
        nvmlInit = smi.mismatch().get();
      }
      // nvidia-smi was the later, more specific attempt: its outcome replaces NVML's absence.
      reported = reported.isFound() ? reported : smi.driver();
      cudaNvml = cudaNvml.isFound() ? cudaNvml : smi.cuda();
      gpus = smi.gpus().devices().isEmpty() ? fromProc(m, notes, smi.gpus().enumeration()) : smi.gpus();
    } else {
      gpus = fromProc(m, notes, nvml.init());
    }
    DriverInfo driver = new DriverInfo(
        kernelModule, description, libcuda, libnvml, nvmlInit, reported, cudaApi.map(ToolkitTexts::decode), cudaNvml, compat);
    return new Result(driver, gpus);
  }

  private static Observation<String> sysModule(Machine m) {
    String p = "/sys/module/nvidia/version";
    MachineFs.Text t = m.fs().readText(p, 256);
    if (!t.ok()) {
      return Observation.absent(t.error().equals("no such file") ? "the nvidia kernel module is not loaded" : t.error(), Source.file(p));
    }
    return DriverTexts.bareVersion(t.text())
        .map(v -> Observation.found(v, Source.file(p)))
        .orElse(Observation.failed("unexpected content", Source.file(p)));
  }

  private static Observation<Map.Entry<String, String>> procVersion(Machine m, Notes notes) {
    String p = "/proc/driver/nvidia/version";
    MachineFs.Text t = m.fs().readText(p, 4096);
    if (!t.ok()) {
      if (!t.error().equals("no such file")) {
        notes.add(p + ": " + t.error());
      }
      return Observation.absent(t.error().equals("no such file") ? "no NVIDIA kernel driver (" + p + " is missing)" : t.error(), Source.file(p));
    }
    return DriverTexts.nvrmLine(t.text())
        .map(e -> Observation.found(e, Source.file(p)))
        .orElse(Observation.failed("no 'NVRM version:' line", Source.file(p)));
  }

  /** The version in the file name behind libX.so.1 (or any libX.so.N.N.N) in the driver directories. */
  private static List<String> driverLibDirs(Machine m) {
    List<String> dirs = new ArrayList<>();
    m.getenv("LD_LIBRARY_PATH").ifPresent(v -> {
      for (String d : v.split(":")) {
        if (!d.isBlank()) {
          dirs.add(d);
        }
      }
    });
    dirs.addAll(DRIVER_LIB_DIRS);
    return dirs;
  }

  private static Observation<String> userSpaceVersion(Machine m, List<String> dirs, String base) {
    for (String dir : dirs) {
      MachineFs.Resolved r = m.fs().resolve(dir + "/" + base + ".1");
      if (r.ok()) {
        Optional<String> v = DriverTexts.libraryFileVersion(r.path());
        if (v.isPresent()) {
          return Observation.found(v.get(), Source.file(r.path()));
        }
      }
    }
    // No libX.so.1 link anywhere: look for the versioned file itself (a tree without links).
    for (String dir : dirs) {
      if (!m.fs().isDirectory(dir)) {
        continue;
      }
      MachineFs.Listing l = m.fs().list(dir, 50_000);
      for (String name : l.names()) {
        if (name.startsWith(base + ".")) {
          Optional<String> v = DriverTexts.libraryFileVersion(name);
          if (v.isPresent()) {
            return Observation.found(v.get(), Source.file(dir + "/" + name));
          }
        }
      }
    }
    return Observation.absent("no " + base + ".1 in LD_LIBRARY_PATH or the driver library directories", Source.none());
  }

  private static List<DriverInfo.CompatLibrary> compatLibraries(Machine m) {
    Set<String> dirs = new LinkedHashSet<>();
    for (String name : m.fs().list("/usr/local", 1000).names()) {
      if (name.startsWith("cuda")) {
        MachineFs.Resolved r = m.fs().resolve("/usr/local/" + name + "/compat");
        if (r.ok()) {
          dirs.add(r.path());
        }
      }
    }
    List<DriverInfo.CompatLibrary> out = new ArrayList<>();
    for (String dir : dirs) {
      for (String name : m.fs().list(dir, 1000).names()) {
        if (name.startsWith("libcuda.so.") && !m.fs().isLink(dir + "/" + name)) {
          DriverTexts.libraryFileVersion(name)
              .ifPresent(v -> out.add(new DriverInfo.CompatLibrary(dir + "/" + name, v, Source.file(dir + "/" + name))));
        }
      }
    }
    return out;
  }

  private static GpuInfo fromNvml(NvmlReading nvml) {
    return new GpuInfo(Observation.found("NVML", nvml.init().source()), nvml.devices());
  }

  private record NvidiaSmi(Observation<String> driver, Observation<String> cuda, GpuInfo gpus, Optional<Observation<String>> mismatch) {}

  private static NvidiaSmi nvidiaSmi(Machine m, Notes notes) {
    List<String> queryArgv = List.of("nvidia-smi", "--query-gpu=" + NvidiaSmiOutput.QUERY_FIELDS, "--format=csv,noheader,nounits");
    List<String> bannerArgv = List.of("nvidia-smi");
    CompletableFuture<CommandResult> queryF = CompletableFuture.supplyAsync(
        () -> m.runner().run(queryArgv, m.timeout()), Background.DAEMON);
    CommandResult banner = m.runner().run(bannerArgv, m.timeout());
    CommandResult query = queryF.join();
    Source qs = Source.command(String.join(" ", queryArgv));
    Source bs = Source.command("nvidia-smi");
    Optional<Observation<String>> mismatch = Optional.empty();
    for (CommandResult r : List.of(banner, query)) {
      if (NvidiaSmiOutput.versionMismatch(r.stdout() + r.stderr())) {
        mismatch = Optional.of(Observation.failed("Driver/library version mismatch (nvidia-smi: Failed to initialize NVML)", Source.command(r.commandLine())));
      }
    }
    Observation<String> driver;
    Observation<String> cuda;
    if (banner.ok()) {
      driver = NvidiaSmiOutput.bannerDriver(banner.stdout()).map(v -> Observation.found(v, bs)).orElse(Observation.failed("no 'Driver Version' in the banner", bs));
      cuda = NvidiaSmiOutput.bannerCuda(banner.stdout()).map(v -> Observation.found(v, bs)).orElse(Observation.failed("no 'CUDA Version' in the banner", bs));
    } else {
      driver = fromFailure(banner, bs);
      cuda = driver;
    }
    List<Gpu> gpus = new ArrayList<>();
    if (query.ok()) {
      for (NvidiaSmiOutput.GpuRow row : NvidiaSmiOutput.parseQuery(query.stdout())) {
        gpus.add(new Gpu(row.index(), opt(row.name(), qs), opt(row.uuid(), qs), opt(row.busId(), qs),
            opt(row.computeCapability(), qs), opt(row.memoryMiB(), qs), Observation.absent("nvidia-smi's query does not report it here; NVML does", qs)));
        if (!driver.isFound() && row.driverVersion() != null) {
          driver = Observation.found(row.driverVersion(), qs);
        }
      }
      if (gpus.isEmpty() && !query.stdout().isBlank()) {
        notes.add("nvidia-smi query output could not be read: " + firstLine(query.stdout()));
      }
    } else if (query.status() != CommandResult.Status.NOT_FOUND) {
      notes.add("nvidia-smi: " + query.failure());
    }
    Observation<String> enumeration = gpus.isEmpty() ? fromFailure(query, qs) : Observation.found("nvidia-smi", qs);
    return new NvidiaSmi(driver, cuda, new GpuInfo(enumeration, gpus), mismatch);
  }

  private static <T> Observation<T> opt(T v, Source s) {
    return v == null ? Observation.absent("nvidia-smi gave no value", s) : Observation.found(v, s);
  }

  private static Observation<String> fromFailure(CommandResult r, Source s) {
    return switch (r.status()) {
      case TIMED_OUT -> Observation.timedOut(r.millis(), s);
      case NOT_FOUND -> Observation.absent("nvidia-smi is not on PATH", s);
      case OK -> Observation.absent("nvidia-smi listed no GPU", s);
      default -> Observation.failed(r.failure(), s);
    };
  }

  private static String firstLine(String s) {
    return s.lines().findFirst().orElse("").strip();
  }

  /** GPU names and UUIDs from /proc/driver/nvidia/gpus/BUS/information (no compute capability). */
  private static GpuInfo fromProc(Machine m, Notes notes, Observation<String> whyNotNvml) {
    String dir = "/proc/driver/nvidia/gpus";
    MachineFs.Listing l = m.fs().list(dir, 1000);
    if (!l.ok()) {
      boolean missing = l.error().equals("no such directory") || l.error().equals("no such file");
      String why = missing ? "no " + dir : dir + ": " + l.error();
      return new GpuInfo(Observation.absent(why + " (NVML: " + whyNotNvml.summary() + ")", Source.file(dir)), List.of());
    }
    List<Gpu> gpus = new ArrayList<>();
    for (String bus : l.names()) {
      String p = dir + "/" + bus + "/information";
      MachineFs.Text t = m.fs().readText(p, 16 * 1024);
      Source s = Source.file(p);
      if (!t.ok()) {
        notes.add(p + ": " + t.error());
        continue;
      }
      Map<String, String> info = DriverTexts.gpuInformation(t.text());
      int index = gpus.size();
      try {
        index = Integer.parseInt(info.getOrDefault("Device Minor", String.valueOf(index)));
      } catch (NumberFormatException e) {
        notes.add(p + ": unreadable Device Minor");
      }
      Observation<String> noCc = Observation.absent("not in /proc; needs NVML or nvidia-smi", s);
      gpus.add(new Gpu(index, field(info, "Model", s), field(info, "GPU UUID", s), field(info, "Bus Location", s),
          noCc, Observation.absent("not in /proc", s), Observation.absent("not in /proc", s)));
    }
    gpus.sort(java.util.Comparator.comparingInt(Gpu::index));
    return new GpuInfo(Observation.found("/proc/driver/nvidia/gpus", Source.file(dir)), gpus);
  }

  private static Observation<String> field(Map<String, String> info, String key, Source s) {
    String v = info.get(key);
    return v == null || v.isEmpty() ? Observation.absent("no '" + key + "' line", s) : Observation.found(v, s);
  }
}
