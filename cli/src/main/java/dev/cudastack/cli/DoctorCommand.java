package dev.cudastack.cli;

import dev.cudastack.model.Snapshot;
import dev.cudastack.report.JsonReport;
import dev.cudastack.report.MarkdownReport;
import dev.cudastack.report.TextReport;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cudastack doctor}: load the target, render, and return the exit code. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    versionProvider = CudastackCommand.Version.class,
    description = "Probe the machine (or a tree, or a saved snapshot) and report every layer of the CUDA stack.")
final class DoctorCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Mixin TargetOptions target;

  @Mixin OutputOptions output;

  @Spec CommandSpec spec;

  DoctorCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    java.util.Optional<Snapshot> loaded = Targets.loadOrExplain(target, env, err);
    if (loaded.isEmpty()) {
      return ExitCodes.TOOL_FAILED;
    }
    Snapshot s = loaded.get();
    if (output.format.json) {
      new JsonReport().render(s, out);
    } else if (output.format.markdown) {
      new MarkdownReport().render(s, out);
    } else {
      new TextReport(useColour(), output.verbose).render(s, out);
    }
    // No checks exist yet: nothing is judged wrong, so the exit code is 0.
    return ExitCodes.OK;
  }

  private boolean useColour() {
    return switch (output.color) {
      case "always" -> true;
      case "never" -> false;
      default -> env.get("NO_COLOR") == null
          && !"dumb".equals(env.get("TERM"))
          && System.console() != null
          && System.console().isTerminal();
    };
  }
}
