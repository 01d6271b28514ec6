package dev.cudastack.kb;

/** A knowledge-base file that is missing or does not fit its schema. */
public final class KbException extends Exception {
  public KbException(String message) {
    super(message);
  }
}
