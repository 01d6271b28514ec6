package dev.cudastack.cli;

import dev.cudastack.check.Checks;
import dev.cudastack.check.Diagnosis;
import dev.cudastack.kb.KnowledgeBase;
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
import picocli.CommandLine.Option;
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

  @Option(names = "--kb", paramLabel = "DIR", description = "Use an updated knowledge base (a directory of tables).")
  java.nio.file.Path kb;

  @Spec CommandSpec spec;

  DoctorCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (output.verbose) {
      target.binaries = true;
    }
    java.util.Optional<Snapshot> loaded = Targets.loadOrExplain(target, env, err);
    if (loaded.isEmpty()) {
      return ExitCodes.TOOL_FAILED;
    }
    Snapshot s = loaded.get();
    KnowledgeBase knowledge = kb == null ? KnowledgeBase.bundled() : KnowledgeBase.from(kb);
    Diagnosis d = Checks.run(s, knowledge);
    if (output.format.json) {
      new JsonReport().render(s, d, out);
    } else if (output.format.markdown) {
      new MarkdownReport().render(s, d, out);
    } else {
      new TextReport(useColour(), output.verbose).render(s, d, out);
    }
    return d.exitCode();
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
