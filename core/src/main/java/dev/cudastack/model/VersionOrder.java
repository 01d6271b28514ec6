package dev.cudastack.model;

/** Compares dotted numeric versions ("580.95.05" < "580.159.04"); non-numeric parts compare as text. */
public final class VersionOrder {
  private VersionOrder() {}

  public static int compare(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      String xi = i < x.length ? x[i] : "0";
      String yi = i < y.length ? y[i] : "0";
      int c = numeric(xi) && numeric(yi) ? Long.compare(Long.parseLong(xi), Long.parseLong(yi)) : xi.compareTo(yi);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static boolean numeric(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
