package dev.cudastack.probe;

import java.util.List;

/** What happened when a command was run (or why it was not). */
public record CommandResult(
    List<String> argv, Status status, int exitCode, String stdout, String stderr, long millis, String error) {

  public enum Status {
    OK,
    NONZERO_EXIT,
    NOT_FOUND,
    TIMED_OUT,
    FAILED,
    REFUSED
  }

  public CommandResult {
    argv = List.copyOf(argv);
    stdout = stdout == null ? "" : stdout;
    stderr = stderr == null ? "" : stderr;
  }

  public static CommandResult refused(List<String> argv, String why) {
    return new CommandResult(argv, Status.REFUSED, -1, "", "", 0, why);
  }

  public boolean ok() {
    return status == Status.OK;
  }

  /** The command line as one string, for reports only (it is never given to a shell). */
  public String commandLine() {
    return String.join(" ", argv);
  }

  /** A one-line description of a failure. */
  public String failure() {
    return switch (status) {
      case OK -> "ok";
      case NONZERO_EXIT -> "exit code " + exitCode + firstLine(stderr.isBlank() ? stdout : stderr);
      case NOT_FOUND -> "command not found";
      case TIMED_OUT -> "no answer within " + millis + " ms";
      case FAILED -> "could not run: " + error;
      case REFUSED -> "not run: " + error;
    };
  }

  private static String firstLine(String s) {
    String t = s.strip();
    if (t.isEmpty()) {
      return "";
    }
    int nl = t.indexOf('\n');
    return ": " + (nl < 0 ? t : t.substring(0, nl));
  }
}
