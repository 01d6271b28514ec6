package dev.cudastack.model;

import java.util.List;

/**
 * The NVIDIA driver as seen from each side: the kernel module, the user-space libraries (libcuda,
 * NVML) and what they report, including the highest CUDA version the driver supports.
 */
public record DriverInfo(
    Observation<String> kernelModule,
    Observation<String> kernelModuleDescription,
    Observation<String> libcudaVersion,
    Observation<String> nvmlLibraryVersion,
    Observation<String> nvmlInit,
    Observation<String> reportedDriverVersion,
    Observation<String> cudaFromDriverApi,
    Observation<String> cudaFromNvml,
    List<CompatLibrary> compatLibraries) {

  public DriverInfo {
    compatLibraries = List.copyOf(compatLibraries);
  }

  /** A forward-compatibility libcuda shipped by a toolkit or the cuda-compat package. */
  public record CompatLibrary(String path, String version, Source source) {}

  /** The highest CUDA version the driver supports, from the best source that answered. */
  public Observation<String> highestCuda() {
    return Observation.firstFound(cudaFromDriverApi, cudaFromNvml);
  }

  /** The driver version, from the kernel module, NVML/nvidia-smi, or the libcuda file name. */
  public Observation<String> version() {
    return Observation.firstFound(kernelModule, reportedDriverVersion, libcudaVersion);
  }
}
