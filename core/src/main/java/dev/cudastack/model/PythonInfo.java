package dev.cudastack.model;

import java.util.List;

/**
 * The Python environments found (the python3 on PATH, the active venv and conda env, every conda
 * env, and those given with --python), read from their files without starting Python.
 */
public record PythonInfo(List<PythonEnv> environments) {
  public PythonInfo {
    environments = List.copyOf(environments);
  }

  /**
   * One environment: its prefix, what kind it is and who found it, its Python version, the
   * site-packages directories in import order, and the distributions installed in them.
   */
  public record PythonEnv(
      String prefix,
      String kind,
      List<String> foundBy,
      Observation<String> pythonVersion,
      List<String> importPath,
      List<Distribution> distributions,
      Observation<TorchBuild> torch) {
    public PythonEnv {
      foundBy = List.copyOf(foundBy);
      importPath = List.copyOf(importPath);
      distributions = List.copyOf(distributions);
    }
  }

  /**
   * An installed distribution: name and version from its METADATA (or PKG-INFO), the directory it
   * is installed in, and whether an earlier directory in import order shadows it.
   */
  public record Distribution(String name, String version, String location, String metadata, String installer, boolean shadowed) {}

  /** torch's build, from torch/version.py: {@code __version__}, {@code cuda}, {@code hip}. */
  public record TorchBuild(String version, String cuda, String hip, String location) {
    /** "cuda", "rocm" or "cpu". */
    public String kind() {
      return cuda != null ? "cuda" : hip != null ? "rocm" : "cpu";
    }
  }
}
