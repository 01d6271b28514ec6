package dev.cudastack.probe;

import java.time.Duration;
import java.util.List;

/**
 * Runs an external command given as an argument list — never a shell string — with a mandatory
 * time limit. Implementations never throw: failures come back as a {@link CommandResult}.
 */
public interface CommandRunner {
  CommandResult run(List<String> argv, Duration timeout);

  /** A runner that executes nothing, for {@code --root} inspection and snapshot replay. */
  static CommandRunner refusing(String why) {
    return (argv, timeout) -> CommandResult.refused(argv, why);
  }
}
