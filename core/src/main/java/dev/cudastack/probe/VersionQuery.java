package dev.cudastack.probe;

import dev.cudastack.model.Observation;
import dev.cudastack.model.Source;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Runs {@code PROGRAM --version} and reads the version out of what it prints. */
final class VersionQuery {
  private VersionQuery() {}

  static Observation<String> ask(Machine m, String program, Function<String, Optional<String>> parser) {
    CommandResult r = m.runner().run(List.of(program, "--version"), m.timeout());
    Source s = Source.command(program + " --version");
    if (r.ok()) {
      return parser.apply(r.stdout())
          .map(v -> Observation.found(v, s))
          .orElse(Observation.failed("unrecognised --version output", s));
    }
    return r.status() == CommandResult.Status.TIMED_OUT ? Observation.timedOut(r.millis(), s) : Observation.failed(r.failure(), s);
  }
}
