package dev.cudastack.check;

import dev.cudastack.model.Observation;
import dev.cudastack.model.Source;

/** One fact a finding rests on: what it is, its value, and where it came from. */
public record Evidence(String fact, String value, Source source) {
  public static Evidence of(String fact, Observation<?> o) {
    return new Evidence(fact, o.summary(), o.source());
  }

  public static Evidence of(String fact, String value, Source source) {
    return new Evidence(fact, value, source);
  }

  /** A fact the knowledge base supplied (e.g. a driver branch's highest CUDA). */
  public static Evidence kb(String fact, String value, String kbSource) {
    return new Evidence(fact, value, Source.derived("knowledge base: " + kbSource));
  }
}
