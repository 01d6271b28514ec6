package dev.cudastack.model;

import java.util.List;
import java.util.Map;

/**
 * Whether the machine is a container and what the NVIDIA container runtime was asked for: the
 * NVIDIA_* variables and NVIDIA_REQUIRE_CUDA, parsed.
 */
public record ContainerInfo(
    Observation<String> runtime,
    Map<String, String> nvidiaVariables,
    Observation<RequireCuda> requireCuda) {

  public ContainerInfo {
    nvidiaVariables = Map.copyOf(nvidiaVariables);
  }

  /**
   * NVIDIA_REQUIRE_CUDA, e.g. {@code cuda>=13.0 brand=tesla,driver>=535,driver<536 ...}: the
   * required CUDA plus alternative clauses, any one of which admits the driver.
   */
  public record RequireCuda(String minimumCuda, List<Clause> alternatives, String raw) {
    public RequireCuda {
      alternatives = List.copyOf(alternatives);
    }
  }

  /** One space-separated clause: every condition in it must hold (e.g. brand=tesla, driver>=535). */
  public record Clause(List<Condition> conditions) {
    public Clause {
      conditions = List.copyOf(conditions);
    }
  }

  /** {@code key op value}, e.g. {@code driver >= 535}. */
  public record Condition(String key, String op, String value) {}
}
