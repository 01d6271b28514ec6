package dev.cudastack.testing;

import dev.cudastack.probe.CommandResult;
import dev.cudastack.probe.CommandRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fake at the edge: answers commands with recorded outputs, says "not found" for the rest, and
 * remembers what was asked. A recording may also stand for a command that never returns.
 */
public final class RecordedCommandRunner implements CommandRunner {
  private final Map<List<String>, CommandResult> answers = new LinkedHashMap<>();
  private final Map<List<String>, Long> hangs = new LinkedHashMap<>();
  private final List<List<String>> asked = new ArrayList<>();

  public RecordedCommandRunner answer(List<String> argv, String stdout) {
    answers.put(List.copyOf(argv), new CommandResult(argv, CommandResult.Status.OK, 0, stdout, "", 1, null));
    return this;
  }

  public RecordedCommandRunner fail(List<String> argv, int exit, String stderr) {
    answers.put(List.copyOf(argv), new CommandResult(argv, CommandResult.Status.NONZERO_EXIT, exit, "", stderr, 1, null));
    return this;
  }

  /** The command sleeps until its time limit (really: the caller waits that long), like a wedged driver. */
  public RecordedCommandRunner hang(List<String> argv) {
    hangs.put(List.copyOf(argv), 0L);
    return this;
  }

  public synchronized List<List<String>> asked() {
    return List.copyOf(asked);
  }

  @Override
  public CommandResult run(List<String> argv, Duration timeout) {
    synchronized (this) {
      asked.add(List.copyOf(argv));
    }
    if (hangs.containsKey(argv)) {
      try {
        Thread.sleep(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new CommandResult(argv, CommandResult.Status.TIMED_OUT, -1, "", "", timeout.toMillis(), "timed out");
    }
    CommandResult r = answers.get(argv);
    return r != null ? r : new CommandResult(argv, CommandResult.Status.NOT_FOUND, -1, "", "", 0, "not recorded");
  }
}
