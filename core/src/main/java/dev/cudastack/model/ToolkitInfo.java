package dev.cudastack.model;

import java.util.List;

/**
 * The CUDA toolkits installed, which one a shell uses (the first nvcc on PATH) and which one
 * PyTorch extension builds would use (CUDA_HOME, CUDA_PATH, the directory above {@code which nvcc},
 * else /usr/local/cuda).
 */
public record ToolkitInfo(
    List<ToolkitInstall> installs,
    List<NvccOnPath> nvccOnPath,
    Observation<NvccOnPath> shell,
    Observation<ExtensionBuild> extensionBuild) {

  public ToolkitInfo {
    installs = List.copyOf(installs);
    nvccOnPath = List.copyOf(nvccOnPath);
  }

  /**
   * One toolkit directory. {@code path} is its real location; {@code aliases} are the paths (and
   * symlink chains) that lead to it; {@code foundBy} says which searches found it.
   */
  public record ToolkitInstall(
      String path,
      List<String> aliases,
      List<String> foundBy,
      Observation<String> version,
      Observation<String> nvccVersion,
      boolean hasNvcc) {
    public ToolkitInstall {
      aliases = List.copyOf(aliases);
      foundBy = List.copyOf(foundBy);
    }
  }

  /**
   * An nvcc found on PATH, in PATH order: the entry, the file it really is (after symlinks and
   * wrapper scripts that exec another nvcc), and the toolkit that owns it, if any.
   */
  public record NvccOnPath(String path, List<String> chain, String toolkit) {
    public NvccOnPath {
      chain = List.copyOf(chain);
    }
  }

  /** The CUDA home that torch.utils.cpp_extension would pick, and why. */
  public record ExtensionBuild(String cudaHome, String chosenBy, String toolkit, boolean usable, String note) {}
}
