package dev.cudastack.cli;

import dev.cudastack.probe.ToolVersion;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine.Command;

/** The top-level command. */
@Command(
    name = "cudastack",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = ExitCodes.TOOL_FAILED,
    exitCodeOnExecutionException = ExitCodes.TOOL_FAILED,
    versionProvider = CudastackCommand.Version.class,
    description = "Sees the whole CUDA stack of a machine — GPU, driver, toolkits, libraries, host compiler — and where each fact came from.",
    subcommands = {AutoComplete.GenerateCompletion.class},
    exitCodeListHeading = "%nExit codes (doctor):%n",
    exitCodeList = {
      "0:nothing wrong",
      "1:warnings only",
      "2:errors",
      "3:the tool itself failed or was misused"
    })
final class CudastackCommand implements Runnable {
  final Map<String, String> env;

  CudastackCommand(Map<String, String> env) {
    this.env = env;
  }

  @Command(name = "doctor", description = "Probe the machine (or a tree, or a saved snapshot) and report every layer of the CUDA stack.")
  int doctor(@picocli.CommandLine.Mixin TargetOptions target, @picocli.CommandLine.Mixin OutputOptions output) {
    return new DoctorRun(env, target, output, spec.commandLine().getOut(), spec.commandLine().getErr()).run();
  }

  @Command(name = "snapshot", description = "Write the machine's snapshot as JSON (replay it elsewhere with doctor --snapshot FILE).")
  int snapshot(
      @picocli.CommandLine.Mixin TargetOptions target,
      @picocli.CommandLine.Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of standard output (refuses to overwrite unless --force).") java.nio.file.Path output,
      @picocli.CommandLine.Option(names = "--force", description = "Overwrite FILE if it exists.") boolean force) {
    return new SnapshotRun(env, target, output, force, spec.commandLine().getOut(), spec.commandLine().getErr()).run();
  }

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    // Without a subcommand: show help.
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"cudastack " + ToolVersion.get(), "Java " + Runtime.version()};
    }
  }
}
