package dev.cudastack.model;

/** The operating system layer: distribution, kernel, C library, architecture, WSL and container. */
public record OsInfo(
    Observation<Distro> distro,
    Observation<String> kernel,
    Observation<String> glibc,
    Observation<String> architecture,
    Observation<Boolean> wsl2,
    ContainerInfo container) {

  /** From /etc/os-release. */
  public record Distro(String id, String versionId, String prettyName) {}
}
