package dev.cudastack.probe;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits text into lines (\n, \r\n or \r). String.split("\\R") would compile a regular expression
 * on every call, which shows in the doctor's start-up time.
 */
final class Lines {
  private Lines() {}

  static List<String> of(String text) {
    List<String> out = new ArrayList<>();
    int start = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\r') {
        out.add(text.substring(start, i));
        if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    if (start < n) {
      out.add(text.substring(start));
    }
    return out;
  }
}
