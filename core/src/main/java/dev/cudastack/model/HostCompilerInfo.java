package dev.cudastack.model;

import java.util.List;

/** The host C/C++ compilers nvcc would use, in the order that picks them. */
public record HostCompilerInfo(List<Compiler> candidates, Observation<Compiler> selected) {
  public HostCompilerInfo {
    candidates = List.copyOf(candidates);
  }

  /** A compiler and what would choose it (NVCC_CCBIN, CUDAHOSTCXX, CC, or PATH). */
  public record Compiler(String family, String path, String chosenBy, Observation<String> version) {}
}
