package dev.cudastack.json;

import dev.cudastack.model.JsonTag;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns records into JSON trees and back, by their components. Supports strings, numbers,
 * booleans, enums (lower-case), lists, string-keyed maps, nested records and sealed interfaces
 * marked with {@link JsonTag}. Generic components (such as {@code Observation<String>}) are
 * resolved from the declared types.
 */
public final class RecordCodec {
  private RecordCodec() {}

  /** A record (or any supported value) as a JSON tree. */
  public static Object toTree(Object value) {
    return switch (value) {
      case null -> null;
      case String s -> s;
      case Number n -> n;
      case Boolean b -> b;
      case Enum<?> e -> e.name().toLowerCase(Locale.ROOT);
      case List<?> l -> {
        List<Object> out = new ArrayList<>(l.size());
        for (Object o : l) {
          out.add(toTree(o));
        }
        yield out;
      }
      case Map<?, ?> m -> {
        Map<String, Object> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), toTree(v)));
        yield out;
      }
      case Record r -> recordTree(r);
      default -> value.toString();
    };
  }

  private static Map<String, Object> recordTree(Record r) {
    Map<String, Object> out = new LinkedHashMap<>();
    Class<?> type = r.getClass();
    for (Class<?> iface : type.getInterfaces()) {
      JsonTag tag = iface.getAnnotation(JsonTag.class);
      if (tag != null) {
        out.put(tag.value(), tagOf(type));
      }
    }
    for (RecordComponent c : type.getRecordComponents()) {
      try {
        out.put(c.getName(), toTree(c.getAccessor().invoke(r)));
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot read " + type.getSimpleName() + "." + c.getName(), e);
      }
    }
    return out;
  }

  private static String tagOf(Class<?> variant) {
    String n = variant.getSimpleName();
    return Character.toLowerCase(n.charAt(0)) + n.substring(1);
  }

  /** Reads a JSON tree as the given type. */
  public static <T> T fromTree(Object tree, Class<T> type) throws JsonException {
    return type.cast(read(tree, type, Map.of(), type.getSimpleName()));
  }

  private static Object read(Object tree, Type type, Map<String, Type> bindings, String where)
      throws JsonException {
    if (type instanceof TypeVariable<?> tv) {
      Type bound = bindings.get(tv.getName());
      return read(tree, bound == null ? Object.class : bound, Map.of(), where);
    }
    if (type instanceof ParameterizedType pt) {
      Class<?> raw = (Class<?>) pt.getRawType();
      Type[] args = pt.getActualTypeArguments();
      if (List.class.isAssignableFrom(raw)) {
        if (tree == null) {
          return List.of();
        }
        if (!(tree instanceof List<?> l)) {
          throw new JsonException(where + ": expected an array");
        }
        List<Object> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
          out.add(read(l.get(i), resolve(args[0], bindings), Map.of(), where + "[" + i + "]"));
        }
        return List.copyOf(out.stream().filter(java.util.Objects::nonNull).toList());
      }
      if (Map.class.isAssignableFrom(raw)) {
        if (tree == null) {
          return Map.of();
        }
        if (!(tree instanceof Map<?, ?> m)) {
          throw new JsonException(where + ": expected an object");
        }
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          Object v = read(e.getValue(), resolve(args[1], bindings), Map.of(), where + "." + e.getKey());
          if (v != null) {
            out.put(String.valueOf(e.getKey()), v);
          }
        }
        return out;
      }
      Map<String, Type> inner = new LinkedHashMap<>();
      TypeVariable<?>[] params = raw.getTypeParameters();
      for (int i = 0; i < params.length; i++) {
        inner.put(params[i].getName(), resolve(args[i], bindings));
      }
      return readClass(tree, raw, inner, where);
    }
    return readClass(tree, (Class<?>) type, Map.of(), where);
  }

  private static Type resolve(Type t, Map<String, Type> bindings) {
    if (t instanceof TypeVariable<?> tv && bindings.containsKey(tv.getName())) {
      return bindings.get(tv.getName());
    }
    return t;
  }

  private static Object readClass(Object tree, Class<?> raw, Map<String, Type> bindings, String where)
      throws JsonException {
    if (tree == null) {
      if (raw == dev.cudastack.model.Observation.class) {
        // A member an older snapshot lacks reads as a fact that was not recorded.
        return dev.cudastack.model.Observation.absent("not recorded in this snapshot");
      }
      if (raw.isRecord()) {
        return readRecord(Map.of(), raw, bindings, where);
      }
      if (raw == boolean.class) {
        return false;
      }
      if (raw == int.class || raw == long.class) {
        return raw == int.class ? (Object) 0 : (Object) 0L;
      }
      return null;
    }
    if (raw == String.class) {
      return tree instanceof String s ? s : String.valueOf(tree);
    }
    if (raw == int.class || raw == Integer.class) {
      return (int) number(tree, where).longValue();
    }
    if (raw == long.class || raw == Long.class) {
      return number(tree, where).longValue();
    }
    if (raw == double.class || raw == Double.class) {
      return number(tree, where).doubleValue();
    }
    if (raw == boolean.class || raw == Boolean.class) {
      if (tree instanceof Boolean b) {
        return b;
      }
      throw new JsonException(where + ": expected true or false");
    }
    if (raw.isEnum()) {
      String name = String.valueOf(tree).toUpperCase(Locale.ROOT);
      for (Object c : raw.getEnumConstants()) {
        if (((Enum<?>) c).name().equals(name)) {
          return c;
        }
      }
      throw new JsonException(where + ": unknown value '" + tree + "'");
    }
    if (raw == Object.class) {
      return tree;
    }
    if (!(tree instanceof Map<?, ?> m)) {
      throw new JsonException(where + ": expected an object");
    }
    if (raw.isSealed() && raw.isInterface()) {
      JsonTag tag = raw.getAnnotation(JsonTag.class);
      if (tag == null) {
        throw new JsonException(where + ": " + raw.getSimpleName() + " has no JSON tag");
      }
      Object t = m.get(tag.value());
      for (Class<?> variant : raw.getPermittedSubclasses()) {
        if (tagOf(variant).equals(t)) {
          return readRecord(m, variant, bindings, where);
        }
      }
      throw new JsonException(where + ": unknown " + tag.value() + " '" + t + "'");
    }
    if (raw.isRecord()) {
      return readRecord(m, raw, bindings, where);
    }
    throw new JsonException(where + ": unsupported type " + raw.getSimpleName());
  }

  private static Object readRecord(Map<?, ?> m, Class<?> type, Map<String, Type> bindings, String where)
      throws JsonException {
    RecordComponent[] comps = type.getRecordComponents();
    Object[] values = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    // A variant of a generic sealed interface (Found<T> implements Observation<T>) shares the
    // interface's type variable names, so the bindings carry over.
    for (int i = 0; i < comps.length; i++) {
      types[i] = comps[i].getType();
      values[i] = read(m.get(comps[i].getName()), comps[i].getGenericType(), bindings, where + "." + comps[i].getName());
    }
    try {
      Constructor<?> ctor = type.getDeclaredConstructor(types);
      ctor.setAccessible(true);
      return ctor.newInstance(values);
    } catch (InvocationTargetException e) {
      throw new JsonException(where + ": " + e.getCause().getMessage());
    } catch (ReflectiveOperationException e) {
      throw new JsonException(where + ": cannot build " + type.getSimpleName());
    }
  }

  private static Number number(Object tree, String where) throws JsonException {
    if (tree instanceof Number n) {
      return n;
    }
    throw new JsonException(where + ": expected a number");
  }
}
