package dev.cudastack.plan;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a project's dependency files without running anything: requirements files in pip's syntax
 * (with -r/-c includes, index options, markers, local versions, continuations), pyproject.toml
 * ([project] and Poetry), conda environment.yml (with its pip: list), setup.py's install_requires
 * when it is a literal list, and a Dockerfile's CUDA base image. What cannot be read is said.
 */
public final class ProjectReader {
  private static final int MAX_LINE = 1 << 20;
  private static final int MAX_FILE = 16 << 20;
  private static final Pattern REQ = Pattern.compile(
      "^([A-Za-z0-9][A-Za-z0-9._-]*)\\s*(?:\\[([^\\]]*)\\])?\\s*(\\(?\\s*(?:===|[<>=!~]=?)[^;]*?\\)?)?\\s*(?:;\\s*(.*))?$");
  private static final Pattern BLANKS = Pattern.compile("\\s++");
  private static final Pattern URL_REQ = Pattern.compile("^([A-Za-z0-9][A-Za-z0-9._-]*)\\s*(?:\\[[^\\]]*\\])?\\s*@\\s*(\\S+)(?:\\s*;\\s*(.*))?$");
  private static final Pattern LOCAL = Pattern.compile("^(==[^+,]+)\\+([A-Za-z0-9.]+)$");
  /** Per-requirement pip options (`--hash=…`, `--config-settings …`), cut off before the requirement is read. */
  private static final Pattern PER_REQ_OPTION = Pattern.compile("\\s+--(?:hash|config-settings|global-option|install-option)\\b.*$");
  private static final Pattern EGG = Pattern.compile("[#&]egg=([A-Za-z0-9._-]+)");
  private static final Pattern DOCKER_CUDA = Pattern.compile("^\\s*FROM\\s+(?:--\\S+\\s+)*(?:\\S+/)?nvidia/cuda:(\\d+\\.\\d+)(?:\\.\\d+)?[-\\w.]*", Pattern.CASE_INSENSITIVE);
  private static final Pattern INDEX_IN_RUN = Pattern.compile("--(?:extra-)?index-url[ =](\\S+)");

  private final List<Requirement> reqs = new ArrayList<>();
  private final List<String> indexes = new ArrayList<>();
  private final List<String> links = new ArrayList<>();
  private final List<String> files = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Set<Path> seen = new HashSet<>();
  private String pythonRequires;
  private String pythonPinned;
  private String cudaHint;
  private String cudaHintFrom;

  private ProjectReader() {}

  /** A file (any of the kinds above) or a project directory (its top-level files of those kinds). */
  public static Project read(Path path) {
    ProjectReader r = new ProjectReader();
    if (Files.isDirectory(path)) {
      for (String name : List.of("pyproject.toml", "setup.py", "requirements.txt", "environment.yml", "environment.yaml", "Dockerfile")) {
        Path p = path.resolve(name);
        if (Files.isRegularFile(p)) {
          r.file(p);
        } else if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          r.notes.add(p + ": cannot read (" + (Files.isDirectory(p) ? "a directory" : "a broken link or not a regular file") + ")");
        }
      }
      try (var list = Files.list(path)) {
        list.filter(p -> p.getFileName().toString().matches("requirements[-_.].*\\.txt") && Files.isRegularFile(p)).sorted().forEach(p ->
            r.notes.add(p.getFileName() + ": an optional requirements file, not included (pass it to plan to include it)"));
      } catch (IOException e) {
        r.notes.add(path + ": cannot list (" + e.getMessage() + ")");
      }
      Path extras = path.resolve("requirements");
      if (Files.isDirectory(extras)) {
        try (var list = Files.list(extras)) {
          List<String> names = list.map(x -> x.getFileName().toString()).filter(n -> n.endsWith(".txt")).sorted().toList();
          if (!names.isEmpty()) {
            r.notes.add("requirements/: " + names.size() + " optional requirements files (" + String.join(", ", names.subList(0, Math.min(6, names.size())))
                + (names.size() > 6 ? ", …" : "") + "), not included (pass one to plan to include it)");
          }
        } catch (IOException e) {
          r.notes.add(extras + ": cannot list (" + e.getMessage() + ")");
        }
      }
      if (r.files.isEmpty()) {
        r.notes.add(path + ": no requirements.txt, pyproject.toml, setup.py, environment.yml or Dockerfile");
      }
    } else {
      r.file(path);
    }
    return new Project(path.toString(), r.files, r.reqs, r.indexes, r.links, r.pythonRequires, r.pythonPinned, r.cudaHint, r.cudaHintFrom, r.notes);
  }

  private void file(Path p) {
    String name = p.getFileName().toString();
    if (name.endsWith(".toml")) {
      pyproject(p);
    } else if (name.equals("setup.py")) {
      setupPy(p);
    } else if (name.endsWith(".yml") || name.endsWith(".yaml")) {
      conda(p);
    } else if (name.startsWith("Dockerfile") || name.endsWith(".dockerfile")) {
      dockerfile(p);
    } else {
      requirements(p, 0);
    }
  }

  private List<String> lines(Path p) {
    try {
      if (Files.size(p) > MAX_FILE) {
        notes.add(p + ": larger than 16 MB, not read");
        return List.of();
      }
      List<String> out = new ArrayList<>();
      var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
      try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(p), decoder))) {
        StringBuilder line = new StringBuilder();
        int c;
        boolean tooLong = false;
        int n = 0;
        boolean start = true;
        while ((c = in.read()) >= 0) {
          if (start && c == 0xFEFF) { // a byte-order mark
            start = false;
            continue;
          }
          start = false;
          if (c == 0) {
            notes.add(p + ": a binary file (it has NUL bytes), not read");
            return List.of();
          }
          if (c == '\r') {
            continue; // CRLF line ends
          }
          if (c == '\n') {
            n++;
            if (tooLong) {
              notes.add(p.getFileName() + ":" + n + ": a line longer than 1 MB, skipped");
              out.add("");
            } else {
              out.add(line.toString());
            }
            line.setLength(0);
            tooLong = false;
          } else if (line.length() < MAX_LINE) {
            line.append((char) c);
          } else {
            tooLong = true;
          }
        }
        if (line.length() > 0) {
          out.add(tooLong ? "" : line.toString());
        }
      }
      files.add(p.toString());
      return out;
    } catch (IOException e) {
      notes.add(p + ": cannot read (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
      return List.of();
    }
  }

  /** pip's requirements file format. */
  private void requirements(Path p, int depth) {
    Path real;
    try {
      real = p.toRealPath();
    } catch (IOException e) {
      notes.add(p + ": cannot read (" + e.getMessage() + ")");
      return;
    }
    if (!seen.add(real)) {
      notes.add(p + ": already included (an include loop?), skipped");
      return;
    }
    if (depth > 20) {
      notes.add(p + ": includes nested deeper than 20, skipped");
      return;
    }
    List<String> lines = lines(p);
    String name = p.getFileName().toString();
    StringBuilder joined = new StringBuilder();
    int start = 0;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (joined.isEmpty()) {
        start = i + 1;
      }
      if (l.endsWith("\\")) {
        joined.append(l, 0, l.length() - 1).append(' ');
        continue;
      }
      joined.append(l);
      String line = stripComment(joined.toString()).strip();
      joined.setLength(0);
      if (line.isEmpty()) {
        continue;
      }
      String origin = name + ":" + start;
      if (line.startsWith("-")) {
        option(p, line, origin, depth);
        continue;
      }
      requirement(line, origin);
    }
  }

  /** pip's rule: a comment starts at a # at the line's start or after whitespace. */
  private static String stripComment(String l) {
    if (l.startsWith("#")) {
      return "";
    }
    for (int i = 1; i < l.length(); i++) {
      if (l.charAt(i) == '#' && Character.isWhitespace(l.charAt(i - 1))) {
        return l.substring(0, i);
      }
    }
    return l;
  }

  private void option(Path p, String line, String origin, int depth) {
    String[] parts = line.split("[ =]", 2);
    String opt = parts[0];
    String arg = parts.length > 1 ? parts[1].strip() : "";
    switch (opt) {
      case "-r", "--requirement", "-c", "--constraint" -> {
        if (arg.contains("://")) {
          notes.add(origin + ": " + opt + " " + arg + " is remote, not read");
        } else {
          requirements(p.resolveSibling(arg), depth + 1);
        }
      }
      case "-i", "--index-url", "--extra-index-url" -> indexes.add(arg);
      case "-f", "--find-links" -> links.add(arg);
      case "-e", "--editable" -> {
        Matcher egg = EGG.matcher(arg);
        if (egg.find()) {
          reqs.add(new Requirement(Requirement.normalize(egg.group(1)), "", null, List.of(), null, arg, origin));
        } else {
          notes.add(origin + ": editable " + arg + " (a local or VCS checkout), not checked");
        }
      }
      default -> notes.add(origin + ": option " + opt + " ignored");
    }
  }

  /** One PEP 508 requirement (or a direct reference); true when it was understood. */
  private boolean requirement(String line, String origin) {
    // runs of blanks collapsed first: the expressions below then never meet long runs of them
    String l = PER_REQ_OPTION.matcher(BLANKS.matcher(line.strip()).replaceAll(" ")).replaceFirst("").strip();
    if (l.startsWith("git+") || l.startsWith("http://") || l.startsWith("https://") || l.startsWith("file:")) {
      Matcher egg = EGG.matcher(l);
      String name = egg.find() ? egg.group(1) : l.replaceAll("\\.git(@.*)?$", "").replaceAll(".*/", "");
      reqs.add(direct(wheel(l).map(w -> w[0]).orElse(name), l, null, origin));
      return true;
    }
    Matcher u = URL_REQ.matcher(l);
    if (u.matches()) {
      reqs.add(direct(u.group(1), u.group(2), u.group(3), origin));
      return true;
    }
    Matcher m = REQ.matcher(l);
    if (!m.matches()) {
      notes.add(origin + ": cannot read '" + (l.length() > 80 ? l.substring(0, 80) + "…" : l) + "'");
      return false;
    }
    String spec = m.group(3) == null ? "" : m.group(3).replace("(", "").replace(")", "").replace(" ", "");
    String local = null;
    Matcher loc = LOCAL.matcher(spec);
    if (loc.matches()) {
      spec = loc.group(1);
      local = loc.group(2).toLowerCase(Locale.ROOT);
    }
    List<String> extras = m.group(2) == null ? List.of() : List.of(m.group(2).replace(" ", "").split(","));
    reqs.add(new Requirement(Requirement.normalize(m.group(1)), spec, local, extras, m.group(4), null, origin));
    return true;
  }

  /** A wheel's file name (PEP 427): name-version[-build]-python-abi-platform.whl. */
  private static final Pattern WHEEL = Pattern.compile("([A-Za-z0-9_.]+)-([0-9][^-]*)(?:-[0-9][^-]*)?-[^-]+-[^-]+-[^-]+\\.whl");

  /** [name, version with its local label] of a URL that names a wheel file ('+' may be written %2B). */
  static Optional<String[]> wheel(String url) {
    String file = url.replaceAll("[#?].*$", "").replaceAll(".*/", "").replace("%2B", "+").replace("%2b", "+");
    Matcher w = WHEEL.matcher(file);
    return w.matches() ? Optional.of(new String[] {w.group(1), w.group(2)}) : Optional.empty();
  }

  /** A direct reference; one to a wheel file is read as a pin of the version its name carries. */
  private static Requirement direct(String name, String url, String marker, String origin) {
    Optional<String[]> w = wheel(url);
    if (w.isEmpty()) {
      return new Requirement(Requirement.normalize(name), "", null, List.of(), marker, url, origin);
    }
    String v = w.get()[1];
    int plus = v.indexOf('+');
    return new Requirement(Requirement.normalize(name), "==" + (plus < 0 ? v : v.substring(0, plus)), plus < 0 ? null : v.substring(plus + 1).toLowerCase(Locale.ROOT),
        List.of(), marker, url, origin);
  }

  private static final Pattern TOML_TABLE = Pattern.compile("^\\[\\[?([^\\]]++)\\]\\]?$");
  private static final Pattern TOML_KEY = Pattern.compile("^\"?([A-Za-z0-9_.-]++)\"?\\s*+=\\s*+(.*)$");
  private static final Pattern TOML_STRING = Pattern.compile("\"((?:[^\"\\\\]++|\\\\.)*+)\"|'([^']*+)'");

  /** The pieces of pyproject.toml that matter: [project] dependencies and requires-python, optional deps, Poetry. */
  private void pyproject(Path p) {
    List<String> lines = lines(p);
    String table = "";
    for (int i = 0; i < lines.size(); i++) {
      String l = stripTomlComment(lines.get(i)).strip();
      Matcher t = TOML_TABLE.matcher(l);
      if (t.matches()) {
        // [[x]] (an array of tables: uv's indexes, Poetry's sources) sets the table as [x] does
        table = t.group(1).replace("\"", "").strip();
        continue;
      }
      Matcher kv = TOML_KEY.matcher(l);
      if (!kv.matches()) {
        continue;
      }
      String key = kv.group(1);
      String value = kv.group(2).strip();
      String origin = p.getFileName() + ":" + (i + 1);
      if (value.startsWith("[")) {
        // A (possibly multi-line) array of strings.
        StringBuilder arr = new StringBuilder(value);
        TomlScan scan = new TomlScan();
        scan.line(value);
        while (!scan.closed() && i + 1 < lines.size()) {
          i++;
          arr.append(' ').append(scan.line(lines.get(i)));
        }
        if (table.equals("project") && key.equals("dependencies") || table.equals("project.optional-dependencies") || table.equals("dependency-groups")) {
          // inline tables ({include-group = "test"}) are not requirements
          Matcher s = TOML_STRING.matcher(TOML_INLINE_TABLE.matcher(arr).replaceAll(" "));
          while (s.find()) {
            requirement(s.group(1) != null ? unescape(s.group(1)) : s.group(2), origin + (table.equals("project") ? "" : " [" + key + "]"));
          }
        } else if (poetryDependencies(table) && !key.equals("python")) {
          // Poetry's multiple constraints: one inline table per marker or Python range
          Matcher inline = TOML_INLINE_TABLE.matcher(arr);
          while (inline.find()) {
            poetryEntry(key, inline.group(), origin);
          }
        }
        continue;
      }
      if (table.equals("project") && key.equals("requires-python")) {
        pythonRequires = firstString(value);
      } else if ((table.equals("tool.uv.index") || table.equals("tool.poetry.source")) && key.equals("url")) {
        String url = firstString(value);
        if (url != null) {
          indexes.add(url);
          notes.add(origin + ": index " + url + " (" + table + ")");
        }
      } else if (poetryDependencies(table)) {
        if (key.equals("python")) {
          if (table.equals("tool.poetry.dependencies")) {
            pythonRequires = poetry(firstString(value));
          }
        } else if (value.startsWith("{")) {
          poetryEntry(key, value, origin);
        } else {
          String spec = firstString(value);
          if (spec != null) {
            requirement(key + poetry(spec), origin);
          }
        }
      }
    }
  }

  /**
   * Reads TOML lines outside strings ("…" with escapes, '…'): where a comment starts, and the bracket
   * depth across the lines of an array.
   */
  private static final class TomlScan {
    private int depth;
    private char quote;
    private boolean escaped;

    /** Feeds one line; returns it without its comment. */
    String line(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (quote != 0) {
          if (escaped) {
            escaped = false;
          } else if (c == '\\' && quote == '"') {
            escaped = true;
          } else if (c == quote) {
            quote = 0;
          }
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '#') {
          return s.substring(0, i);
        } else if (c == '[') {
          depth++;
        } else if (c == ']') {
          depth--;
        }
      }
      return s;
    }

    boolean closed() {
      return depth <= 0;
    }
  }

  /** The line without its comment. */
  private static String stripTomlComment(String l) {
    return new TomlScan().line(l);
  }

  private static String firstString(String v) {
    Matcher s = TOML_STRING.matcher(v);
    return s.find() ? (s.group(1) != null ? unescape(s.group(1)) : s.group(2)) : null;
  }

  /** A TOML basic string's escapes (\" \\ \t \n) resolved; others kept as written. */
  private static String unescape(String basic) {
    if (basic.indexOf('\\') < 0) {
      return basic;
    }
    StringBuilder b = new StringBuilder(basic.length());
    for (int i = 0; i < basic.length(); i++) {
      char c = basic.charAt(i);
      if (c == '\\' && i + 1 < basic.length()) {
        char n = basic.charAt(++i);
        b.append(switch (n) {
          case '"' -> "\"";
          case '\\' -> "\\";
          case 't' -> "\t";
          case 'n' -> "\n";
          default -> "\\" + n;
        });
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static final Pattern TOML_INLINE_TABLE = Pattern.compile("\\{[^{}]*\\}");

  /** Poetry's main dependencies, its groups' and its old dev-dependencies. */
  private static boolean poetryDependencies(String table) {
    return table.equals("tool.poetry.dependencies") || table.equals("tool.poetry.dev-dependencies")
        || table.startsWith("tool.poetry.group.") && table.endsWith(".dependencies");
  }

  /** A string value of an inline table ({version = "2.1.0", markers = "sys_platform == 'linux'"}). */
  private static String tomlInlineString(String v, String key) {
    Matcher m = Pattern.compile("(?<![\\w-])" + Pattern.quote(key) + "\\s*+=\\s*+(?:\"((?:[^\"\\\\]++|\\\\.)*+)\"|'([^']*+)')").matcher(v);
    return m.find() ? (m.group(1) != null ? unescape(m.group(1)) : m.group(2)) : null;
  }

  /**
   * One Poetry dependency written as an inline table: its version (or a url to a wheel), with its
   * markers and its python range (as a python_version marker) joined.
   */
  private void poetryEntry(String key, String inline, String origin) {
    List<String> markers = new ArrayList<>();
    String m = tomlInlineString(inline, "markers");
    if (m != null) {
      markers.add(m);
    }
    String python = tomlInlineString(inline, "python");
    if (python != null) {
      for (String part : poetry(python).split(",")) {
        Matcher op = Pattern.compile("^(===|[<>=!~]=?)\\s*+(\\S++)$").matcher(part.strip());
        if (op.matches()) {
          markers.add("python_version " + op.group(1) + " '" + op.group(2) + "'");
        }
      }
    }
    String marker = markers.isEmpty() ? "" : (markers.size() == 1 ? markers.getFirst() : "(" + String.join(") and (", markers) + ")");
    String url = tomlInlineString(inline, "url");
    if (url != null) {
      requirement(key + " @ " + url + (marker.isEmpty() ? "" : " ; " + marker), origin);
    } else {
      requirement(key + poetry(tomlInlineVersion(inline)) + (marker.isEmpty() ? "" : "; " + marker), origin);
    }
  }

  private static String tomlInlineVersion(String v) {
    String version = tomlInlineString(v, "version");
    return version == null ? "*" : version;
  }

  /** Poetry's ^1.2 / ~1.2 / * / 1.2 as a PEP 440 specifier. */
  static String poetry(String spec) {
    if (spec == null || spec.isBlank() || spec.equals("*")) {
      return "";
    }
    String s = spec.strip();
    if (s.startsWith("^") || s.startsWith("~") && !s.startsWith("~=")) {
      String v = s.substring(1);
      String[] parts = v.split("\\.");
      String upper;
      if (s.startsWith("^")) {
        int i = 0;
        while (i < parts.length - 1 && parts[i].equals("0")) {
          i++;
        }
        upper = bump(parts, i);
      } else {
        upper = bump(parts, Math.min(1, parts.length - 1) == 0 && parts.length == 1 ? 0 : 1);
      }
      return ">=" + v + ",<" + upper;
    }
    if (Character.isDigit(s.charAt(0))) {
      return "==" + s;
    }
    return s;
  }

  private static String bump(String[] parts, int at) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i <= at && i < parts.length; i++) {
      java.math.BigInteger n = parts[i].matches("\\d{1,100}") ? new java.math.BigInteger(parts[i]) : java.math.BigInteger.ZERO;
      b.append(i == 0 ? "" : ".").append(i == at ? n.add(java.math.BigInteger.ONE) : n);
    }
    return b.toString();
  }

  private static final Pattern CONDA_SPEC = Pattern.compile("^([A-Za-z0-9_.-]+)(?:\\s*([=<>!~]=?\\s*[^=\\s]+)(?:=\\S+)?)?$");

  /** conda environment.yml: conda packages (python, pytorch, pytorch-cuda, cudatoolkit) and the pip: list. */
  private void conda(Path p) {
    List<String> lines = lines(p);
    boolean deps = false;
    int pipIndent = -1;
    for (int i = 0; i < lines.size(); i++) {
      String raw = lines.get(i);
      String l = raw.strip();
      String origin = p.getFileName() + ":" + (i + 1);
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      int indent = raw.length() - raw.stripLeading().length();
      if (!raw.startsWith(" ") && !raw.startsWith("-")) {
        deps = l.startsWith("dependencies:");
        pipIndent = -1;
        continue;
      }
      if (!deps || !l.startsWith("-")) {
        continue;
      }
      String item = l.substring(1).strip();
      if (item.startsWith("pip:")) {
        pipIndent = indent;
        continue;
      }
      if (pipIndent >= 0 && indent > pipIndent) {
        String req = stripComment(item).strip();
        if (req.startsWith("-")) {
          option(p, req, origin, 0);
        } else {
          requirement(req, origin + " (pip)");
        }
        continue;
      }
      pipIndent = -1;
      String spec = stripComment(item).strip();
      if (spec.contains("::")) {
        spec = spec.substring(spec.indexOf("::") + 2); // channel::package
      }
      Matcher m = CONDA_SPEC.matcher(spec);
      if (!m.matches()) {
        notes.add(origin + ": cannot read conda spec '" + item + "'");
        continue;
      }
      String name = m.group(1).toLowerCase(Locale.ROOT);
      String v = m.group(2) == null ? "" : m.group(2).replace(" ", "");
      String version = v.startsWith("=") && !v.startsWith("==") ? v.substring(1) : v.startsWith("==") ? v.substring(2) : null;
      switch (name) {
        case "python" -> pythonPinned = version;
        // conda's single = is a prefix match: pytorch=2.1 is any 2.1.x
        case "pytorch", "torch" -> requirement("torch" + (version == null ? v : v.startsWith("==") || version.split("\\.").length >= 3 ? "==" + version : "==" + version + ".*"),
            origin + " (conda)");
        case "pytorch-cuda", "cudatoolkit", "cuda-toolkit", "cuda-version" -> {
          if (version != null) {
            cudaHint = version;
            cudaHintFrom = origin + " (conda " + name + ")";
          }
        }
        default -> {
          // other conda packages are system libraries and tools: not part of the Python stack plan
        }
      }
    }
  }

  private static final Pattern INSTALL_REQUIRES = Pattern.compile("install_requires\\s*=\\s*(\\[[^\\]]*\\]|[A-Za-z_][\\w.]*\\s*\\([^)]*\\)|[A-Za-z_][\\w.]*)", Pattern.DOTALL);

  /** setup.py: install_requires when it is a literal list of strings; anything computed is said, not run. */
  private void setupPy(Path p) {
    List<String> lines = lines(p);
    String text = String.join("\n", lines);
    Matcher m = INSTALL_REQUIRES.matcher(text);
    if (!m.find()) {
      notes.add(p.getFileName() + ": no install_requires");
      return;
    }
    String v = m.group(1);
    if (!v.startsWith("[")) {
      notes.add(p.getFileName() + ": install_requires is computed (" + v.strip() + "), which cudastack does not run; read the requirements file it uses instead");
      return;
    }
    Matcher s = TOML_STRING.matcher(v);
    while (s.find()) {
      requirement(s.group(1) != null ? s.group(1) : s.group(2), p.getFileName() + " (install_requires)");
    }
  }

  private void dockerfile(Path p) {
    List<String> lines = lines(p);
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = DOCKER_CUDA.matcher(lines.get(i));
      if (m.find() && cudaHint == null) {
        cudaHint = m.group(1);
        cudaHintFrom = p.getFileName() + ":" + (i + 1) + " (" + lines.get(i).strip() + ")";
      }
      Matcher idx = INDEX_IN_RUN.matcher(lines.get(i));
      while (idx.find()) {
        notes.add(p.getFileName() + ":" + (i + 1) + ": installs from " + idx.group(1) + " in a RUN step");
      }
    }
  }

  /** For tests: the requirement names read, in order. */
  static Map<String, String> specs(Project p) {
    Map<String, String> out = new LinkedHashMap<>();
    p.requirements().forEach(r -> out.put(r.name(), r.spec() + (r.local() == null ? "" : "+" + r.local())));
    return out;
  }
}
