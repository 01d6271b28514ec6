package dev.cudastack.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** What to inspect: this machine, a directory tree, or a saved snapshot. */
final class TargetOptions {
  @Option(names = "--root", paramLabel = "DIR", description = "Inspect DIR as if it were / (an unpacked image, a chroot, a test tree). Nothing under DIR is executed or loaded.")
  Path root;

  @Option(names = "--env-file", paramLabel = "FILE", description = "Environment variables for the inspection (KEY=VALUE lines), instead of this process's.")
  Path envFile;

  @Option(names = "--env", paramLabel = "KEY=VALUE", description = "Set one environment variable for the inspection (repeatable; applied after --env-file).")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(names = "--snapshot", paramLabel = "FILE", description = "Replay a snapshot written by `cudastack snapshot` (- for standard input) instead of probing.")
  String snapshot;

  @Option(names = "--probe-timeout", paramLabel = "SECONDS", defaultValue = "5", description = "Time limit for each external command and native call (default: ${DEFAULT-VALUE} s).")
  double probeTimeoutSeconds;

  @Option(names = "--python", paramLabel = "PREFIX_OR_INTERPRETER", description = "Also read this Python environment (a prefix such as ~/venvs/train, or its bin/python). Repeatable.")
  java.util.List<String> pythons = new java.util.ArrayList<>();

  @Option(names = "--deep", description = "Also run each environment's interpreter once (a child process, with a time limit) and ask torch what it sees. Never under --root.")
  boolean deep;

  @Option(names = "--binaries", description = "Also read the frameworks' shared objects (torch's libtorch_cuda.so, the bitsandbytes binary, compiled extensions): where each CUDA library loads from, unresolved versioned symbols, the GPU code they carry. On by default with doctor -v.")
  boolean binaries;

  @Option(names = "--anonymize", description = "Replace GPU UUIDs, the host name and home-directory names.")
  boolean anonymize;
}
