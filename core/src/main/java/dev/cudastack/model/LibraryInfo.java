package dev.cudastack.model;

import java.util.List;

/**
 * The CUDA libraries (cudart, cuBLAS, cuBLASLt, cuDNN, NCCL, nvJitLink) found through
 * LD_LIBRARY_PATH, the loader cache, the toolkits and the standard directories.
 */
public record LibraryInfo(
    List<CudaLibrary> files, List<HeaderVersion> cudnnHeaders, Observation<Integer> ldCacheEntries) {
  public LibraryInfo {
    files = List.copyOf(files);
    cudnnHeaders = List.copyOf(cudnnHeaders);
  }

  /**
   * One library file (the real file, named by its SONAME-level link or full version name).
   * {@code version} comes from the real file name, e.g. libcudnn.so.9.14.0 → 9.14.0.
   */
  public record CudaLibrary(
      String library, String path, String realPath, Observation<String> version, List<String> foundVia) {
    public CudaLibrary {
      foundVia = List.copyOf(foundVia);
    }
  }

  /** A version read from a header such as cudnn_version.h. */
  public record HeaderVersion(String path, Observation<String> version) {}
}
