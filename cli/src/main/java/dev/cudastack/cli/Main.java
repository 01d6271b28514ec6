package dev.cudastack.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point: builds the command tree and maps outcomes to exit codes. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv()));
  }

  /** Usage errors and crashes exit with 3 in every subcommand, not picocli's defaults. */
  private static void applyExitCodes(CommandLine cl) {
    cl.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.TOOL_FAILED);
    cl.getCommandSpec().exitCodeOnExecutionException(ExitCodes.TOOL_FAILED);
    cl.getSubcommands().values().forEach(Main::applyExitCodes);
  }

  /** Runs the CLI with the given streams and environment; returns the exit code. */
  static int run(String[] args, PrintWriter out, PrintWriter err, java.util.Map<String, String> env) {
    CommandLine cl = new CommandLine(new CudastackCommand());
    cl.addSubcommand(new DoctorCommand(env));
    cl.addSubcommand(new SnapshotCommand(env));
    cl.addSubcommand(new FixCommand(env, java.time.Clock.systemDefaultZone()));
    cl.addSubcommand(new InspectCommand(env));
    cl.addSubcommand(new ExplainCommand(env, System.in));
    cl.addSubcommand(new PlanCommand(env));
    CommandLine kb = new CommandLine(new KbCommand());
    if (java.util.Arrays.asList(args).contains("kb") || java.util.Arrays.asList(args).contains("generate-completion")) {
      KbCommand.addQueries(kb);
    }
    cl.addSubcommand("kb", kb);
    applyExitCodes(cl);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println("cudastack: internal error: " + ex);
      if (System.getenv("CUDASTACK_DEBUG") != null) {
        ex.printStackTrace(cmd.getErr());
      } else {
        cmd.getErr().println("(set CUDASTACK_DEBUG=1 for the stack trace, and please report it)");
      }
      return ExitCodes.TOOL_FAILED;
    });
    return cl.execute(args);
  }
}
