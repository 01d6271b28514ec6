package dev.cudastack.cli;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** How to show the result. */
final class OutputOptions {
  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Format format = new Format();

  @Option(names = {"-v", "--verbose"}, description = "Show where each fact came from and how long each probe took.")
  boolean verbose;

  @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", description = "auto (on a terminal, unless NO_COLOR is set), always or never.")
  String color;

  static final class Format {
    @Option(names = "--json", description = "Machine-readable JSON report (includes the snapshot).")
    boolean json;

    @Option(names = "--markdown", description = "Markdown, to paste into a GitHub issue.")
    boolean markdown;
  }
}
