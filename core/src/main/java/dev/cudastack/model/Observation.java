package dev.cudastack.model;

import java.util.Optional;
import java.util.function.Function;

/**
 * One fact about the machine and how it was learnt: found (a value and its source), absent (with
 * the reason), failed (with the error) or timed out (after how long).
 */
@JsonTag("status")
public sealed interface Observation<T>
    permits Observation.Found, Observation.Absent, Observation.Failed, Observation.TimedOut {

  Source source();

  record Found<T>(T value, Source source) implements Observation<T> {}

  record Absent<T>(String why, Source source) implements Observation<T> {}

  record Failed<T>(String error, Source source) implements Observation<T> {}

  record TimedOut<T>(long afterMillis, Source source) implements Observation<T> {}

  static <T> Observation<T> found(T value, Source source) {
    return new Found<>(value, source);
  }

  static <T> Observation<T> absent(String why, Source source) {
    return new Absent<>(why, source);
  }

  static <T> Observation<T> absent(String why) {
    return new Absent<>(why, Source.none());
  }

  static <T> Observation<T> failed(String error, Source source) {
    return new Failed<>(error, source);
  }

  static <T> Observation<T> timedOut(long afterMillis, Source source) {
    return new TimedOut<>(afterMillis, source);
  }

  default boolean isFound() {
    return this instanceof Found<T>;
  }

  default Optional<T> get() {
    return this instanceof Found<T> f ? Optional.of(f.value()) : Optional.empty();
  }

  default T orElse(T other) {
    return this instanceof Found<T> f ? f.value() : other;
  }

  /** Maps a found value; other states keep their reason and source. */
  // instanceof rather than a pattern switch: each switch site bootstraps generated classes on first
  // use, which costs milliseconds on the doctor's start-up path.
  default <R> Observation<R> map(Function<? super T, ? extends R> fn) {
    if (this instanceof Found<T> f) {
      return new Found<>(fn.apply(f.value()), f.source());
    }
    if (this instanceof Absent<T> a) {
      return new Absent<>(a.why(), a.source());
    }
    if (this instanceof Failed<T> f) {
      return new Failed<>(f.error(), f.source());
    }
    TimedOut<T> t = (TimedOut<T>) this;
    return new TimedOut<>(t.afterMillis(), t.source());
  }

  /** The first found observation, else the first one (so that its reason is kept). */
  @SafeVarargs
  static <T> Observation<T> firstFound(Observation<T>... candidates) {
    for (Observation<T> c : candidates) {
      if (c.isFound()) {
        return c;
      }
    }
    return candidates[0];
  }

  /** One line for a report: the value, or what happened instead. */
  default String summary() {
    return this instanceof Found<T> f ? String.valueOf(f.value()) : (this instanceof Absent<T> ? "absent: " : this instanceof Failed<T> ? "failed: " : "") + reason();
  }

  /** The value, or the reason there is none (without the "absent:" prefix). */
  default String reason() {
    if (this instanceof Found<T> f) {
      return String.valueOf(f.value());
    }
    if (this instanceof Absent<T> a) {
      return a.why();
    }
    if (this instanceof Failed<T> f) {
      return f.error();
    }
    return "timed out after " + ((TimedOut<T>) this).afterMillis() + " ms";
  }
}
