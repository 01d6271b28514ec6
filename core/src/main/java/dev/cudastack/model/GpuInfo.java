package dev.cudastack.model;

import java.util.List;

/** The GPUs found and how they were enumerated (NVML, nvidia-smi, or /proc). */
public record GpuInfo(Observation<String> enumeration, List<Gpu> devices) {
  public GpuInfo {
    devices = List.copyOf(devices);
  }

  /** One GPU. Facts that the enumeration path cannot tell are absent with the reason. */
  public record Gpu(
      int index,
      Observation<String> name,
      Observation<String> uuid,
      Observation<String> busId,
      Observation<String> computeCapability,
      Observation<Long> memoryMiB,
      Observation<String> migMode) {}
}
