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
  default <R> Observation<R> map(Function<? super T, ? extends R> fn) {
    return switch (this) {
      case Found<T> f -> new Found<>(fn.apply(f.value()), f.source());
      case Absent<T> a -> new Absent<>(a.why(), a.source());
      case Failed<T> f -> new Failed<>(f.error(), f.source());
      case TimedOut<T> t -> new TimedOut<>(t.afterMillis(), t.source());
    };
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
    return switch (this) {
      case Found<T> f -> String.valueOf(f.value());
      case Absent<T> a -> "absent: " + a.why();
      case Failed<T> f -> "failed: " + f.error();
      case TimedOut<T> t -> "timed out after " + t.afterMillis() + " ms";
    };
  }
}
