package dev.cudastack.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Entry point: builds the command tree and maps outcomes to exit codes. */
public final class Main {
  private Main() {}

  /** The subcommands that can be registered alone (generate-completion needs the whole tree). */
  private static final java.util.Set<String> SUBCOMMANDS = java.util.Set.of("doctor", "snapshot", "fix", "inspect", "explain", "plan", "kb");

  public static void main(String[] args) {
    // The launcher's AOT training run for plan: a second command line (unit-separated) run in the
    // same process, so one cache holds both the probed and the described target's paths.
    String also = System.getenv("CUDASTACK_AOT_TRAIN_ALSO");
    if (also != null && !also.isEmpty()) {
      PrintWriter sink = new PrintWriter(java.io.Writer.nullWriter());
      run(args, sink, sink, System.getenv());
      System.exit(run(also.split("\u001f"), sink, sink, System.getenv()));
    }
    PrintWriter err = new PrintWriter(System.err, true);
    try {
      System.exit(run(args, new PrintWriter(System.out, true), err, System.getenv()));
    } catch (StackOverflowError | OutOfMemoryError e) {
      // an input hostile enough to exhaust the stack or the heap: said in one line, not a stack trace
      err.println("cudastack: internal error: " + (e instanceof OutOfMemoryError ? "out of memory" : "stack overflow")
          + " on this input (set CUDASTACK_DEBUG=1 for the stack trace, and please report it)");
      if (System.getenv("CUDASTACK_DEBUG") != null) {
        e.printStackTrace(err);
      }
      System.exit(ExitCodes.TOOL_FAILED);
    }
  }

  /** Usage errors and crashes exit with 3 in every subcommand, not picocli's defaults. */
  private static void applyExitCodes(CommandLine cl) {
    cl.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.TOOL_FAILED);
    cl.getCommandSpec().exitCodeOnExecutionException(ExitCodes.TOOL_FAILED);
    cl.getSubcommands().values().forEach(Main::applyExitCodes);
  }

  /** Runs the CLI with the given streams and environment; returns the exit code. */
  static int run(String[] args, PrintWriter out, PrintWriter err, java.util.Map<String, String> env) {
    String first = java.util.Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("");
    boolean all = !SUBCOMMANDS.contains(first) || args.length == 0 || args[0].startsWith("-");
    // plan alone gets a top level built without annotations too (see PlanCommand).
    CommandLine cl = !all && first.equals("plan") ? new CommandLine(CommandSpec.create().name("cudastack")) : new CommandLine(new CudastackCommand());
    // picocli reads every registered command's annotations at start-up (reflection, dynamic
    // proxies): when the first word names a subcommand, only that one is registered. The top level
    // (--help, --version, a typo, generate-completion) gets them all.
    if (all || first.equals("doctor")) {
      cl.addSubcommand(new DoctorCommand(env));
    }
    if (all || first.equals("snapshot")) {
      cl.addSubcommand(new SnapshotCommand(env));
    }
    if (all || first.equals("fix")) {
      cl.addSubcommand(new FixCommand(env, java.time.Clock.systemDefaultZone()));
    }
    if (all || first.equals("inspect")) {
      cl.addSubcommand(new InspectCommand(env));
    }
    if (all || first.equals("explain")) {
      cl.addSubcommand(new ExplainCommand(env, System.in));
    }
    if (all || first.equals("plan")) {
      cl.addSubcommand("plan", PlanCommand.commandLine(env));
    }
    if (all || first.equals("kb")) {
      CommandLine kb = new CommandLine(new KbCommand());
      if (first.equals("kb") || java.util.Arrays.asList(args).contains("generate-completion")) {
        KbCommand.addQueries(kb);
      }
      cl.addSubcommand("kb", kb);
    }
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
