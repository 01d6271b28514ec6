package dev.cudastack.probe;

import dev.cudastack.model.GpuInfo;
import dev.cudastack.model.Observation;
import dev.cudastack.model.Source;
import java.time.Duration;
import java.util.List;

/**
 * The driver's own libraries, asked directly: NVML (libnvidia-ml) and libcuda's
 * cuDriverGetVersion. The real implementation calls them through java.lang.foreign off the main
 * thread with a time limit; under {@code --root} nothing is loaded.
 */
public interface NativeAccess {
  NvmlReading nvml(Duration timeout);

  /** cuDriverGetVersion: the highest CUDA the driver supports, as 1000*major + 10*minor. */
  Observation<Integer> cudaDriverVersion(Duration timeout);

  /** What NVML said. {@code init} is "ok" or the error NVML gave (e.g. a version mismatch). */
  record NvmlReading(
      Observation<String> init,
      Observation<String> driverVersion,
      Observation<Integer> cudaDriverVersion,
      List<GpuInfo.Gpu> devices) {
    public NvmlReading {
      devices = List.copyOf(devices);
    }

    public static NvmlReading unavailable(Observation<String> why) {
      return new NvmlReading(why, why.map(x -> x), why.map(x -> 0), List.of());
    }
  }

  /** Loads nothing; every answer is absent with the given reason. */
  static NativeAccess none(String why) {
    return new NativeAccess() {
      @Override
      public NvmlReading nvml(Duration timeout) {
        return NvmlReading.unavailable(Observation.absent(why, Source.none()));
      }

      @Override
      public Observation<Integer> cudaDriverVersion(Duration timeout) {
        return Observation.absent(why, Source.none());
      }
    };
  }
}
