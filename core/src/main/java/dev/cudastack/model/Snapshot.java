package dev.cudastack.model;

import java.util.List;
import java.util.Map;

/**
 * Everything the probes learnt about one machine, layer by layer. Immutable; serialised as the
 * versioned JSON documented in docs/snapshot.md.
 */
public record Snapshot(
    int schemaVersion,
    String tool,
    String takenAt,
    Inspection inspection,
    Observation<String> hostname,
    OsInfo os,
    DriverInfo driver,
    GpuInfo gpus,
    ToolkitInfo toolkits,
    LibraryInfo libraries,
    HostCompilerInfo hostCompiler,
    PythonInfo python,
    Map<String, String> environment,
    List<ProbeRun> probes) {

  /** The version of the JSON layout; bump it when a field changes meaning or is removed. */
  public static final int SCHEMA_VERSION = 1;

  public Snapshot {
    environment = Map.copyOf(environment);
    probes = List.copyOf(probes);
  }

  public Snapshot withInspection(Inspection i) {
    return new Snapshot(schemaVersion, tool, takenAt, i, hostname, os, driver, gpus, toolkits, libraries, hostCompiler, python, environment, probes);
  }
}
