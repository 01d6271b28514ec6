package dev.cudastack.testing;

import dev.cudastack.model.Observation;
import dev.cudastack.probe.NativeAccess;
import java.time.Duration;

/** NVML and libcuda answers given by the test (from a capture), or a native call that hangs. */
public final class FixtureNativeAccess implements NativeAccess {
  private final NvmlReading nvml;
  private final Observation<Integer> cuda;
  private final boolean hang;

  public FixtureNativeAccess(NvmlReading nvml, Observation<Integer> cuda, boolean hang) {
    this.nvml = nvml;
    this.cuda = cuda;
    this.hang = hang;
  }

  @Override
  public NvmlReading nvml(Duration timeout) {
    if (hang) {
      sleep(timeout);
      return NvmlReading.unavailable(Observation.timedOut(timeout.toMillis(), dev.cudastack.model.Source.nativeCall("nvmlInit_v2")));
    }
    return nvml;
  }

  @Override
  public Observation<Integer> cudaDriverVersion(Duration timeout) {
    if (hang) {
      sleep(timeout);
      return Observation.timedOut(timeout.toMillis(), dev.cudastack.model.Source.nativeCall("cuDriverGetVersion"));
    }
    return cuda;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
