package dev.cudastack.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/** What to inspect: this machine, a directory tree, or a saved snapshot. */
final class TargetOptions {
  // The help texts are constants so that the annotations and plan's programmatic options (see
  // addTo) share them.
  static final String ROOT = "Inspect DIR as if it were / (an unpacked image, a chroot, a test tree). Nothing under DIR is executed or loaded.";
  static final String ENV_FILE = "Environment variables for the inspection (KEY=VALUE lines), instead of this process's.";
  static final String ENV = "Set one environment variable for the inspection (repeatable; applied after --env-file).";
  static final String SNAPSHOT = "Replay a snapshot written by `cudastack snapshot` (- for standard input) instead of probing.";
  static final String PROBE_TIMEOUT = "Time limit for each external command and native call (default: ${DEFAULT-VALUE} s).";
  static final String PYTHON = "Also read this Python environment (a prefix such as ~/venvs/train, or its bin/python). Repeatable.";

  @Option(names = "--root", paramLabel = "DIR", description = ROOT)
  Path root;

  @Option(names = "--env-file", paramLabel = "FILE", description = ENV_FILE)
  Path envFile;

  @Option(names = "--env", paramLabel = "KEY=VALUE", description = ENV)
  Map<String, String> env = new LinkedHashMap<>();

  @Option(names = "--snapshot", paramLabel = "FILE", description = SNAPSHOT)
  String snapshot;

  @Option(names = "--probe-timeout", paramLabel = "SECONDS", defaultValue = "5", description = PROBE_TIMEOUT)
  double probeTimeoutSeconds;

  @Option(names = "--python", paramLabel = "PREFIX_OR_INTERPRETER", description = PYTHON)
  java.util.List<String> pythons = new java.util.ArrayList<>();

  @Option(names = "--deep", description = "Also run each environment's interpreter once (a child process, with a time limit) and ask torch what it sees. Never under --root.")
  boolean deep;

  @Option(names = "--binaries", description = "Also read the frameworks' shared objects (torch's libtorch_cuda.so, the bitsandbytes binary, compiled extensions): where each CUDA library loads from, unresolved versioned symbols, the GPU code they carry. On by default with doctor -v.")
  boolean binaries;

  @Option(names = "--anonymize", description = "Replace GPU UUIDs, the host name and home-directory names.")
  boolean anonymize;

  /**
   * The inspection options (--root, --env-file, --env, --snapshot, --probe-timeout, --python) as
   * programmatic picocli options, for a command built without annotations (plan: reading
   * annotations costs picocli reflection and dynamic proxies at every start).
   */
  static void addTo(CommandSpec spec) {
    spec.addOption(OptionSpec.builder("--root").paramLabel("DIR").type(Path.class).description(ROOT).build());
    spec.addOption(OptionSpec.builder("--env-file").paramLabel("FILE").type(Path.class).description(ENV_FILE).build());
    spec.addOption(OptionSpec.builder("--env").paramLabel("KEY=VALUE").type(Map.class).auxiliaryTypes(String.class, String.class).description(ENV).build());
    spec.addOption(OptionSpec.builder("--snapshot").paramLabel("FILE").type(String.class).description(SNAPSHOT).build());
    spec.addOption(OptionSpec.builder("--probe-timeout").paramLabel("SECONDS").type(double.class).defaultValue("5").description(PROBE_TIMEOUT).build());
    spec.addOption(OptionSpec.builder("--python").paramLabel("PREFIX_OR_INTERPRETER").type(java.util.List.class).auxiliaryTypes(String.class).description(PYTHON).build());
  }

  /** The values of the options {@link #addTo} declared. */
  static TargetOptions from(ParseResult pr) {
    TargetOptions t = new TargetOptions();
    t.root = pr.matchedOptionValue("--root", null);
    t.envFile = pr.matchedOptionValue("--env-file", null);
    t.env.putAll(pr.matchedOptionValue("--env", Map.<String, String>of()));
    t.snapshot = pr.matchedOptionValue("--snapshot", null);
    t.probeTimeoutSeconds = pr.matchedOptionValue("--probe-timeout", 5.0);
    t.pythons.addAll(pr.matchedOptionValue("--python", java.util.List.<String>of()));
    return t;
  }
}
