package dev.cudastack.probe;

import dev.cudastack.model.DriverInfo;
import dev.cudastack.model.GpuInfo;
import dev.cudastack.model.HostCompilerInfo;
import dev.cudastack.model.Inspection;
import dev.cudastack.model.LibraryInfo;
import dev.cudastack.model.Observation;
import dev.cudastack.model.OsInfo;
import dev.cudastack.model.ProbeRun;
import dev.cudastack.model.PythonInfo;
import dev.cudastack.model.Snapshot;
import dev.cudastack.model.Source;
import dev.cudastack.model.ToolkitInfo;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Runs every probe concurrently and assembles the snapshot. A probe that crashes or outlives its
 * limit yields its section with every fact saying why, and a note; the others are unaffected.
 */
public final class SnapshotTaker {
  /** The environment variables kept in the snapshot: those that steer the CUDA stack. */
  private static final Pattern RELEVANT_ENV = Pattern.compile(
      "PATH|LD_LIBRARY_PATH|LD_PRELOAD|LIBRARY_PATH|CPATH|HOME|USER|SHELL|CUDA_.*|CUDNN_.*|NCCL_.*|NVIDIA_.*|NV_.*"
          + "|CC|CXX|NVCC_.*|CUDAHOSTCXX|TORCH_.*|BNB_.*|DS_.*|CONDA_.*|VIRTUAL_ENV|PYTHON.*|XLA_.*|container");

  private final Clock clock;
  private final String toolVersion;

  private final Options options;

  /** What the user asked for beyond the defaults: --python environments and --deep. */
  public record Options(List<String> pythons, boolean deep, boolean binaries) {
    public Options {
      pythons = List.copyOf(pythons);
    }

    public Options(List<String> pythons, boolean deep) {
      this(pythons, deep, false);
    }

    public static Options defaults() {
      return new Options(List.of(), false, false);
    }
  }

  public SnapshotTaker(Clock clock, String toolVersion) {
    this(clock, toolVersion, Options.defaults());
  }

  public SnapshotTaker(Clock clock, String toolVersion, Options options) {
    this.clock = clock;
    this.toolVersion = toolVersion;
    this.options = options;
  }

  public Snapshot take(Machine m, Inspection inspection) {
    // Each probe gets the command/native limit plus a margin for its own file reading.
    Duration budget = m.timeout().multipliedBy(2).plusSeconds(2);
    long start = System.nanoTime();
    Timed<OsInfo> os = start(new OsProbe(), m);
    Timed<DriverProbe.Result> driver = start(new DriverProbe(), m);
    Timed<ToolkitInfo> toolkits = start(new ToolkitProbe(), m);
    Timed<HostCompilerInfo> compiler = start(new HostCompilerProbe(), m);
    Timed<PythonInfo> python = start(new PythonEnvProbe(options.pythons(), options.deep() && m.mayExecute(), options.binaries()), m);
    LibraryProbe libraryProbe = new LibraryProbe();
    Notes libNotes = new Notes();
    Timed<LibraryInfo> libraries = new Timed<>(libraryProbe.name(), libNotes, toolkits.future().thenApplyAsync(
        t -> measure(() -> libraryProbe.read(m, libNotes, t.value())), Background.DAEMON), libraryProbe::unavailable);
    CompletableFuture<Observation<String>> host = CompletableFuture.supplyAsync(() -> hostname(m), Background.DAEMON);

    List<ProbeRun> runs = new ArrayList<>();
    OsInfo osInfo = os.await(budget, start, runs);
    DriverProbe.Result dr = driver.await(budget, start, runs);
    ToolkitInfo tk = toolkits.await(budget, start, runs);
    LibraryInfo libs = libraries.await(budget, start, runs);
    HostCompilerInfo hc = compiler.await(budget, start, runs);
    PythonInfo py = python.await(budget, start, runs);
    Observation<String> hostname = host.getNow(Observation.absent("not read in time", Source.none()));
    try {
      hostname = host.get(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // keep the placeholder
    }
    DriverInfo driverInfo = dr.driver();
    GpuInfo gpus = dr.gpus();
    return new Snapshot(
        Snapshot.SCHEMA_VERSION,
        toolVersion,
        clock.instant().toString(),
        inspection,
        hostname,
        osInfo,
        driverInfo,
        gpus,
        tk,
        libs,
        hc,
        py,
        relevantEnvironment(m.env()),
        runs);
  }

  static Map<String, String> relevantEnvironment(Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    env.forEach((k, v) -> {
      if (RELEVANT_ENV.matcher(k).matches()) {
        out.put(k, v);
      }
    });
    return out;
  }

  private static Observation<String> hostname(Machine m) {
    for (String p : List.of("/proc/sys/kernel/hostname", "/etc/hostname")) {
      if (!m.fs().isLive() && p.startsWith("/proc")) {
        continue;
      }
      MachineFs.Text t = m.fs().readText(p, 1024);
      if (t.ok() && !t.text().isBlank()) {
        return Observation.found(t.text().strip(), Source.file(p));
      }
    }
    return Observation.absent("no /etc/hostname", Source.file("/etc/hostname"));
  }

  /** A result and the milliseconds its probe took. */
  private record Took<T>(T value, long millis) {}

  /** A running probe: its future result and its notes. */
  private record Timed<T>(
      String name, Notes notes, CompletableFuture<Took<T>> future, Function<Observation<String>, T> unavailable) {

    T await(Duration budget, long start, List<ProbeRun> runs) {
      long left = budget.toMillis() - (System.nanoTime() - start) / 1_000_000;
      T result;
      long took;
      try {
        Took<T> t = future.get(Math.max(1, left), TimeUnit.MILLISECONDS);
        result = t.value();
        took = t.millis();
      } catch (TimeoutException e) {
        notes.add("probe '" + name + "' did not finish within " + budget.toMillis() + " ms; its facts are missing");
        result = unavailable.apply(Observation.timedOut(budget.toMillis(), Source.derived("probe " + name)));
        took = budget.toMillis();
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        notes.add("probe '" + name + "' crashed: " + c);
        result = unavailable.apply(Observation.failed("probe crashed: " + c, Source.derived("probe " + name)));
        took = (System.nanoTime() - start) / 1_000_000;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        result = unavailable.apply(Observation.failed("interrupted", Source.derived("probe " + name)));
        took = (System.nanoTime() - start) / 1_000_000;
      }
      runs.add(new ProbeRun(name, took, notes.all()));
      return result;
    }
  }

  private static <T> Took<T> measure(java.util.function.Supplier<T> work) {
    long t0 = System.nanoTime();
    T v = work.get();
    return new Took<>(v, (System.nanoTime() - t0) / 1_000_000);
  }

  private static <T> Timed<T> start(Probe<T> probe, Machine m) {
    Notes notes = new Notes();
    CompletableFuture<Took<T>> f =
        CompletableFuture.supplyAsync(() -> measure(() -> probe.read(m, notes)), Background.DAEMON);
    return new Timed<>(probe.name(), notes, f, probe::unavailable);
  }
}
