package dev.cudastack.json;

import dev.cudastack.model.Snapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites every string in a snapshot's JSON tree: GPU and MIG UUIDs become stable placeholders
 * (the same UUID always maps to the same one), the host name becomes "host", and user names in
 * home directories (/home/NAME, $HOME, $USER) become "user".
 */
final class Anonymizer {
  private static final Pattern UUID = Pattern.compile("(GPU|MIG)-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}");
  private static final Pattern HOME = Pattern.compile("/home/([^/\\s:]+)");
  private final Map<String, String> uuids = new LinkedHashMap<>();
  private final String hostname;
  private final String home;
  private final String user;

  Anonymizer(Snapshot s) {
    this.hostname = s.hostname().orElse(null);
    this.home = s.environment().get("HOME");
    this.user = s.environment().get("USER");
  }

  Object rewrite(Object tree) {
    return switch (tree) {
      case String str -> clean(str);
      case List<?> l -> {
        List<Object> out = new ArrayList<>(l.size());
        for (Object o : l) {
          out.add(rewrite(o));
        }
        yield out;
      }
      case Map<?, ?> m -> {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), rewrite(v)));
        yield out;
      }
      case null -> null;
      default -> tree;
    };
  }

  private String clean(String s) {
    Matcher u = UUID.matcher(s);
    StringBuilder sb = new StringBuilder();
    while (u.find()) {
      String placeholder = uuids.computeIfAbsent(u.group(), k -> u.group(1) + "-anonymized-" + uuids.size());
      u.appendReplacement(sb, Matcher.quoteReplacement(placeholder));
    }
    u.appendTail(sb);
    String out = sb.toString();
    if (home != null && home.length() > 1 && !home.equals("/root")) {
      out = out.replace(home, "/home/user");
    }
    out = HOME.matcher(out).replaceAll("/home/user");
    if (hostname != null && !hostname.isBlank() && hostname.length() > 2) {
      out = out.replace(hostname, "host");
    }
    if (user != null && user.length() > 2 && out.equals(user)) {
      out = "user";
    }
    return out;
  }
}
