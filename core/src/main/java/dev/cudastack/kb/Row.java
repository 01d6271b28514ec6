package dev.cudastack.kb;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One object of a KB table, read field by field without reflection (reflective decoding costs
 * ~20 ms on first use, which the doctor's start-up cannot afford). A field of the wrong type
 * throws {@link Bad} with its path; a missing field reads as null (or an empty list).
 */
public final class Row {
  /** A field of the wrong type, with where it is. */
  public static final class Bad extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Bad(String message) {
      super(message, null, false, false);
    }
  }

  private final Map<?, ?> m;
  private final String where;

  Row(Object o, String where) {
    if (!(o instanceof Map<?, ?> map)) {
      throw new Bad(where + ": expected an object");
    }
    this.m = map;
    this.where = where;
  }

  public String str(String k) {
    Object v = m.get(k);
    if (v == null) {
      return null;
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    throw new Bad(where + "." + k + ": expected a string");
  }

  public Integer integer(String k) {
    Object v = m.get(k);
    if (v == null) {
      return null;
    }
    if (v instanceof Long l) {
      return (int) (long) l;
    }
    throw new Bad(where + "." + k + ": expected a whole number");
  }

  public boolean bool(String k) {
    Object v = m.get(k);
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new Bad(where + "." + k + ": expected true or false");
  }

  public List<String> strings(String k) {
    return list(k, (o, w) -> {
      if (!(o instanceof String s)) {
        throw new Bad(w + ": expected a string");
      }
      return s;
    });
  }

  public <T> List<T> rows(String k, Function<Row, T> reader) {
    return list(k, (o, w) -> reader.apply(new Row(o, w)));
  }

  /** An array of [string, value] pairs, each read as strings: [["FORWARD_COMPAT_UNSUPPORTED", "0.55"]]. */
  public List<List<String>> pairs(String k) {
    return list(k, (o, w) -> {
      if (!(o instanceof List<?> l)) {
        throw new Bad(w + ": expected an array");
      }
      List<String> out = new ArrayList<>();
      for (Object x : l) {
        out.add(String.valueOf(x));
      }
      return List.copyOf(out);
    });
  }

  /** An object of strings. */
  public Map<String, String> stringMap(String k) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : object(k).entrySet()) {
      if (!(e.getValue() instanceof String s)) {
        throw new Bad(where + "." + k + "." + e.getKey() + ": expected a string");
      }
      out.put(String.valueOf(e.getKey()), s);
    }
    return Map.copyOf(out);
  }

  /** An object of string arrays. */
  public Map<String, List<String>> listMap(String k) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    Row inner = new Row(object(k), where + "." + k);
    for (Object key : object(k).keySet()) {
      out.put(String.valueOf(key), inner.strings(String.valueOf(key)));
    }
    return Map.copyOf(out);
  }

  private Map<?, ?> object(String k) {
    Object v = m.get(k);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof Map<?, ?> map)) {
      throw new Bad(where + "." + k + ": expected an object");
    }
    return map;
  }

  private interface Item<T> {
    T read(Object o, String where);
  }

  private <T> List<T> list(String k, Item<T> item) {
    Object v = m.get(k);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> l)) {
      throw new Bad(where + "." + k + ": expected an array");
    }
    List<T> out = new ArrayList<>(l.size());
    for (int i = 0; i < l.size(); i++) {
      out.add(item.read(l.get(i), where + "." + k + "[" + i + "]"));
    }
    return List.copyOf(out);
  }
}
