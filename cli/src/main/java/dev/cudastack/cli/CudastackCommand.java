package dev.cudastack.cli;

import dev.cudastack.probe.ToolVersion;
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
