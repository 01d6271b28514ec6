package dev.cudastack.probe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.cudastack.model.GpuInfo;
import dev.cudastack.model.Observation;
import dev.cudastack.model.Source;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * NVML and libcuda through java.lang.foreign (no JNI). Each reading runs on its own daemon thread:
 * a wedged driver can block a native call forever, so the caller waits at most the time limit and
 * reports a timed-out observation, and the stuck thread cannot keep the JVM alive.
 */
@SuppressWarnings("restricted") // loading NVML and libcuda is the point of this class
public final class ForeignNativeAccess implements NativeAccess {
  static final String NVML_LIB = "libnvidia-ml.so.1";
  static final String CUDA_LIB = "libcuda.so.1";
  private static final int NVML_SUCCESS = 0;
  private static final int NVML_ERROR_NOT_SUPPORTED = 3;
  private static final int NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18;
  private static final long MIB = 1024L * 1024L;

  @Override
  public NvmlReading nvml(Duration timeout) {
    return onDaemonThread("nvml", timeout, this::readNvml, t -> {
      Observation<String> why = Observation.timedOut(t, Source.nativeCall("nvmlInit_v2 (" + NVML_LIB + ")"));
      return NvmlReading.unavailable(why);
    });
  }

  @Override
  public Observation<Integer> cudaDriverVersion(Duration timeout) {
    return onDaemonThread("cuDriverGetVersion", timeout, this::readCudaDriverVersion,
        t -> Observation.timedOut(t, Source.nativeCall("cuDriverGetVersion (" + CUDA_LIB + ")")));
  }

  private static <T> T onDaemonThread(
      String name, Duration timeout, java.util.function.Supplier<T> work, Function<Long, T> onTimeout) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread t = Thread.ofPlatform().daemon(true).name("cudastack-" + name).unstarted(() -> {
      try {
        f.complete(work.get());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    t.start();
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return onTimeout.apply(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return onTimeout.apply(timeout.toMillis());
    } catch (ExecutionException e) {
      throw new IllegalStateException(name + " failed: " + e.getCause(), e.getCause());
    }
  }

  private Observation<Integer> readCudaDriverVersion() {
    Source src = Source.nativeCall("cuDriverGetVersion (" + CUDA_LIB + ")");
    try (Arena arena = Arena.ofConfined()) {
      Optional<SymbolLookup> lib = open(CUDA_LIB, arena);
      if (lib.isEmpty()) {
        return Observation.absent(CUDA_LIB + " cannot be loaded (no NVIDIA driver user-space library)", src);
      }
      MethodHandle getVersion = function(lib.get(), "cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) getVersion.invokeExact(out);
      if (rc != 0) {
        return Observation.failed("cuDriverGetVersion returned CUresult " + rc, src);
      }
      return Observation.found(out.get(JAVA_INT, 0), src);
    } catch (Throwable e) {
      return Observation.failed(String.valueOf(e.getMessage()), src);
    }
  }

  private NvmlReading readNvml() {
    Source initSrc = Source.nativeCall("nvmlInit_v2 (" + NVML_LIB + ")");
    try (Arena arena = Arena.ofConfined()) {
      Optional<SymbolLookup> opened = open(NVML_LIB, arena);
      if (opened.isEmpty()) {
        return NvmlReading.unavailable(Observation.absent(NVML_LIB + " cannot be loaded (no NVIDIA driver user-space library)", initSrc));
      }
      Nvml n = new Nvml(opened.get(), arena);
      int rc = n.call("nvmlInit_v2");
      if (rc != NVML_SUCCESS) {
        String msg = n.errorString(rc);
        if (rc == NVML_ERROR_LIB_RM_VERSION_MISMATCH) {
          msg = "Driver/library version mismatch (" + msg + ")";
        }
        return NvmlReading.unavailable(Observation.failed(msg + " [NVML error " + rc + "]", initSrc));
      }
      try {
        Observation<String> driver = n.string("nvmlSystemGetDriverVersion", 96);
        Observation<Integer> cuda = n.intOut("nvmlSystemGetCudaDriverVersion_v2");
        List<GpuInfo.Gpu> devices = new ArrayList<>();
        Observation<Integer> count = n.intOut("nvmlDeviceGetCount_v2");
        for (int i = 0; i < count.orElse(0); i++) {
          devices.add(n.device(i));
        }
        return new NvmlReading(Observation.found("ok", initSrc), driver, cuda, devices);
      } finally {
        n.call("nvmlShutdown");
      }
    } catch (Throwable e) {
      return NvmlReading.unavailable(Observation.failed(String.valueOf(e.getMessage()), initSrc));
    }
  }

  private static Optional<SymbolLookup> open(String name, Arena arena) {
    try {
      return Optional.of(SymbolLookup.libraryLookup(name, arena));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static MethodHandle function(SymbolLookup lib, String name, FunctionDescriptor fd) {
    MemorySegment addr = lib.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " not found"));
    return Linker.nativeLinker().downcallHandle(addr, fd);
  }

  /** Thin typed calls into NVML; every failure becomes an observation. */
  private static final class Nvml {
    private final SymbolLookup lib;
    private final Arena arena;

    Nvml(SymbolLookup lib, Arena arena) {
      this.lib = lib;
      this.arena = arena;
    }

    private Source src(String fn) {
      return Source.nativeCall(fn + " (" + NVML_LIB + ")");
    }

    int call(String fn) throws Throwable {
      return (int) function(lib, fn, FunctionDescriptor.of(JAVA_INT)).invokeExact();
    }

    String errorString(int rc) {
      try {
        MethodHandle h = function(lib, "nvmlErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        MemorySegment s = (MemorySegment) h.invokeExact(rc);
        return s.reinterpret(256).getString(0, StandardCharsets.UTF_8);
      } catch (Throwable e) {
        return "NVML error " + rc;
      }
    }

    <T> Observation<T> failure(String fn, int rc) {
      if (rc == NVML_ERROR_NOT_SUPPORTED) {
        return Observation.absent("not supported on this device", src(fn));
      }
      return Observation.failed(errorString(rc) + " [NVML error " + rc + "]", src(fn));
    }

    Observation<String> string(String fn, int len) throws Throwable {
      MethodHandle h = function(lib, fn, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
      MemorySegment buf = arena.allocate(len);
      int rc = (int) h.invokeExact(buf, len);
      return rc == NVML_SUCCESS ? Observation.found(buf.getString(0), src(fn)) : failure(fn, rc);
    }

    Observation<Integer> intOut(String fn) throws Throwable {
      MethodHandle h = function(lib, fn, FunctionDescriptor.of(JAVA_INT, ADDRESS));
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) h.invokeExact(out);
      return rc == NVML_SUCCESS ? Observation.found(out.get(JAVA_INT, 0), src(fn)) : failure(fn, rc);
    }

    GpuInfo.Gpu device(int index) throws Throwable {
      String fn = "nvmlDeviceGetHandleByIndex_v2";
      MethodHandle h = function(lib, fn, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
      MemorySegment handleOut = arena.allocate(ADDRESS);
      int rc = (int) h.invokeExact(index, handleOut);
      if (rc != NVML_SUCCESS) {
        Observation<String> why = failure(fn, rc);
        return new GpuInfo.Gpu(index, why, why, why, why, why.map(x -> 0L), why);
      }
      MemorySegment dev = handleOut.get(ADDRESS, 0);
      return new GpuInfo.Gpu(
          index,
          deviceString("nvmlDeviceGetName", dev, 96),
          deviceString("nvmlDeviceGetUUID", dev, 96),
          busId(dev),
          computeCapability(dev),
          memory(dev),
          migMode(dev));
    }

    private Observation<String> deviceString(String fn, MemorySegment dev, int len) throws Throwable {
      MethodHandle h = function(lib, fn, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
      MemorySegment buf = arena.allocate(len);
      int rc = (int) h.invokeExact(dev, buf, len);
      return rc == NVML_SUCCESS ? Observation.found(buf.getString(0), src(fn)) : failure(fn, rc);
    }

    private Observation<String> computeCapability(MemorySegment dev) throws Throwable {
      String fn = "nvmlDeviceGetCudaComputeCapability";
      MethodHandle h = function(lib, fn, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
      MemorySegment major = arena.allocate(JAVA_INT);
      MemorySegment minor = arena.allocate(JAVA_INT);
      int rc = (int) h.invokeExact(dev, major, minor);
      return rc == NVML_SUCCESS
          ? Observation.found(major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0), src(fn))
          : failure(fn, rc);
    }

    private Observation<Long> memory(MemorySegment dev) throws Throwable {
      String fn = "nvmlDeviceGetMemoryInfo";
      MethodHandle h = function(lib, fn, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
      MemorySegment info = arena.allocate(3 * JAVA_LONG.byteSize(), 8);
      int rc = (int) h.invokeExact(dev, info);
      return rc == NVML_SUCCESS ? Observation.found(info.get(JAVA_LONG, 0) / MIB, src(fn)) : failure(fn, rc);
    }

    private Observation<String> migMode(MemorySegment dev) throws Throwable {
      String fn = "nvmlDeviceGetMigMode";
      MethodHandle h = function(lib, fn, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
      MemorySegment current = arena.allocate(JAVA_INT);
      MemorySegment pending = arena.allocate(JAVA_INT);
      int rc = (int) h.invokeExact(dev, current, pending);
      if (rc != NVML_SUCCESS) {
        return failure(fn, rc);
      }
      String cur = current.get(JAVA_INT, 0) == 1 ? "enabled" : "disabled";
      String pend = pending.get(JAVA_INT, 0) == 1 ? "enabled" : "disabled";
      return Observation.found(cur.equals(pend) ? cur : cur + " (pending " + pend + ")", src(fn));
    }

    private Observation<String> busId(MemorySegment dev) throws Throwable {
      // nvmlPciInfo_t: char busIdLegacy[16]; unsigned domain, bus, device, pciDeviceId,
      // pciSubSystemId; char busId[32] — 68 bytes; busId starts at offset 36.
      String fn = "nvmlDeviceGetPciInfo_v3";
      MethodHandle h = function(lib, fn, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
      MemorySegment info = arena.allocate(128, 8);
      int rc = (int) h.invokeExact(dev, info);
      return rc == NVML_SUCCESS ? Observation.found(info.getString(36), src(fn)) : failure(fn, rc);
    }
  }
}
