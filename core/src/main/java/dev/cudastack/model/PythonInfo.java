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
   * directories Python imports from in order, the distributions installed there, and what the
   * frameworks that matter to the CUDA stack carry.
   */
  public record PythonEnv(
      String prefix,
      String kind,
      List<String> foundBy,
      Observation<String> pythonVersion,
      List<String> importPath,
      List<Distribution> distributions,
      Observation<TorchBuild> torch,
      List<CudaWheel> cudaWheels,
      Observation<BnbSetup> bitsandbytes,
      List<Framework> frameworks,
      Observation<DeepReport> deep,
      List<FrameworkBinary> binaries) {
    public PythonEnv {
      foundBy = List.copyOf(foundBy);
      importPath = List.copyOf(importPath);
      distributions = List.copyOf(distributions);
      cudaWheels = List.copyOf(cudaWheels);
      frameworks = List.copyOf(frameworks);
      binaries = List.copyOf(binaries);
    }
  }

  /**
   * A framework's main CUDA library read from its bytes (with --binaries, or doctor -v): torch's
   * libtorch_cuda.so, the bitsandbytes binary it loads, compiled extensions. {@code framework} is
   * the distribution's name.
   */
  public record FrameworkBinary(String framework, BinaryInfo binary) {
  }

  /**
   * An installed distribution. Name and version come from the .dist-info directory's name (the
   * wheel format fixes it) or from METADATA/PKG-INFO, which is read for the packages whose exact
   * version or requirements matter ({@code versionFrom} says which). {@code shadowed}: an earlier
   * import-path directory has the same distribution, so this copy is not imported. {@code editable}:
   * installed with {@code pip install -e}.
   */
  public record Distribution(
      String name,
      String version,
      String versionFrom,
      String location,
      String metadata,
      String installer,
      List<String> requires,
      boolean editable,
      boolean shadowed) {
    public Distribution {
      requires = List.copyOf(requires);
    }
  }

  /**
   * torch's build: {@code version}, {@code cuda}, {@code hip} from torch/version.py (the copy
   * Python imports), the local label of the version ({@code cu121}, {@code cpu}, {@code rocm6.2}),
   * the files in torch/lib, and its pins on CUDA wheels checked against what is installed.
   */
  public record TorchBuild(String version, String cuda, String hip, String variant, String location, List<String> libFiles, List<Pin> pins) {
    public TorchBuild {
      libFiles = List.copyOf(libFiles);
      pins = List.copyOf(pins);
    }

    /** "cuda", "rocm" or "cpu". */
    public String kind() {
      return cuda != null ? "cuda" : hip != null ? "rocm" : "cpu";
    }
  }

  /** One of torch's Requires-Dist pins (nvidia-*, cuda-toolkit, triton) and what is installed. */
  public record Pin(String requirement, String name, String pinned, String installed) {
    public boolean satisfied() {
      return installed != null && (pinned == null || pinned.equals(installed));
    }
  }

  /** A pip wheel of CUDA libraries (nvidia-cublas-cu12, nvidia-cuda-runtime, ...) and its files. */
  public record CudaWheel(String name, String version, String libDir, List<String> libraries) {
    public CudaWheel {
      libraries = List.copyOf(libraries);
    }
  }

  /**
   * What bitsandbytes will load, by the selection rule of its version: the binaries it ships, the
   * file it asks for and why, and the outcome — "cuda" (the file exists and loads), "cpu" (it
   * falls back to the CPU library) or "error" (it fails when a GPU function is called).
   */
  public record BnbSetup(
      String version, String location, String rule, List<String> binaries, String wanted, String why, String loads, String outcome) {
    public BnbSetup {
      binaries = List.copyOf(binaries);
    }
  }

  /**
   * A framework that builds or ships CUDA code (DeepSpeed, Apex, flash-attn, xformers, vLLM,
   * triton) or sits on top of torch (transformers, peft, accelerate, trl): its version, its
   * compiled extension files, and for triton the version of the ptxas it bundles.
   */
  public record Framework(String name, String version, String location, List<String> extensions, Observation<String> bundledPtxas) {
    public Framework {
      extensions = List.copyOf(extensions);
    }
  }

  /**
   * What the environment's own interpreter said when asked with {@code --deep}: torch imported in a
   * child process, its view of the GPUs, and the CUDA libraries actually mapped into that process.
   */
  public record DeepReport(
      String torchVersion,
      String cuda,
      boolean available,
      List<String> capabilities,
      List<String> archList,
      String cudnn,
      String cudaHome,
      List<String> mappedLibraries,
      String error) {
    public DeepReport {
      capabilities = List.copyOf(capabilities);
      archList = List.copyOf(archList);
      mappedLibraries = List.copyOf(mappedLibraries);
    }
  }
}
