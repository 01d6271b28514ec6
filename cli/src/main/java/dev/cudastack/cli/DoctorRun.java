package dev.cudastack.cli;

import dev.cudastack.model.Snapshot;
import dev.cudastack.report.JsonReport;
import dev.cudastack.report.MarkdownReport;
import dev.cudastack.report.TextReport;
import java.io.PrintWriter;
import java.util.Map;

/** {@code cudastack doctor}: load the target, render, and return the exit code. */
final class DoctorRun {
  private final Map<String, String> env;
  private final TargetOptions target;
  private final OutputOptions output;
  private final PrintWriter out;
  private final PrintWriter err;

  DoctorRun(Map<String, String> env, TargetOptions target, OutputOptions output, PrintWriter out, PrintWriter err) {
    this.env = env;
    this.target = target;
    this.output = output;
    this.out = out;
    this.err = err;
  }

  int run() {
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
