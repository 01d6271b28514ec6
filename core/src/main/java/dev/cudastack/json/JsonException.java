package dev.cudastack.json;

/** Malformed JSON, or JSON that does not fit the expected shape. */
public final class JsonException extends Exception {
  public JsonException(String message) {
    super(message);
  }
}
