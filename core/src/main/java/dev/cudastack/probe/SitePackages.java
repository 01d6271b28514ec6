package dev.cudastack.probe;

import dev.cudastack.model.PythonInfo.Distribution;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One environment's import path, listed once: the distributions installed in it (first copy in
 * import order wins) and where each top-level package lives.
 *
 * <p>Reading every METADATA file costs more than the rest of the doctor on a big environment, so
 * name and version come from the .dist-info directory name, which the wheel format fixes, and
 * METADATA (with INSTALLER and direct_url.json) is read only for the distributions whose exact
 * version or requirements the reports and checks use.
 */
final class SitePackages {
  private static final int MAX_ENTRIES = 100_000;
  private static final Pattern DIST_INFO = Pattern.compile("^([A-Za-z0-9_.]+?)-([0-9][^-]*)\\.dist-info$");
  private static final Pattern EDITABLE_PTH = Pattern.compile("^__editable__\\.([A-Za-z0-9_.]+?)-([0-9][^-]*)\\.pth$");
  /** Distributions whose METADATA is read (normalised names), plus every nvidia-* and cuda-*. */
  static final Set<String> READ_METADATA = Set.of(
      "torch", "torchvision", "torchaudio", "bitsandbytes", "deepspeed", "apex", "flash-attn", "xformers", "vllm",
      "triton", "pytorch-triton", "transformers", "peft", "accelerate", "trl", "jax", "jaxlib", "tensorflow");

  private final Map<String, List<String>> listings;
  private final List<Distribution> distributions;
  private final Map<String, Distribution> winners;

  private SitePackages(Map<String, List<String>> listings, List<Distribution> distributions) {
    this.listings = listings;
    this.distributions = List.copyOf(distributions);
    Map<String, Distribution> w = new HashMap<>();
    for (Distribution d : distributions) {
      if (!d.shadowed()) {
        w.putIfAbsent(PythonTexts.normalize(d.name()), d);
      }
    }
    this.winners = w;
  }

  static SitePackages read(Machine m, Notes notes, List<String> path) {
    Map<String, List<String>> listings = new LinkedHashMap<>();
    List<Distribution> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    // .pth files in a site directory may add directories to sys.path (after the site directories,
    // as site.py does); an old-style editable install is one such line.
    List<String> queue = new ArrayList<>(path);
    for (int q = 0; q < queue.size() && q < 1000; q++) {
      String dir = queue.get(q);
      MachineFs.Listing l = m.fs().list(dir, MAX_ENTRIES);
      if (!l.ok()) {
        notes.add(dir + ": " + l.error());
        continue;
      }
      if (l.names().size() >= MAX_ENTRIES) {
        notes.add(dir + ": more than " + MAX_ENTRIES + " entries; only the first were read");
      }
      listings.put(dir, l.names());
      Set<String> editable = new HashSet<>();
      if (q < path.size()) {
        pthDirectories(m, dir, l.names()).stream().filter(d -> !queue.contains(d)).forEach(queue::add);
      }
      for (String name : l.names()) {
        Matcher e = EDITABLE_PTH.matcher(name);
        if (e.matches()) {
          editable.add(PythonTexts.normalize(e.group(1)));
        } else if (name.endsWith(".egg-link")) {
          editable.add(PythonTexts.normalize(name.substring(0, name.length() - ".egg-link".length())));
        }
      }
      for (String name : l.names()) {
        distribution(m, notes, dir, name, editable).ifPresent(d -> {
          String earlier = seen.putIfAbsent(PythonTexts.normalize(d.name()), dir);
          if (earlier == null) {
            out.add(d);
          } else if (!earlier.equals(dir)) {
            out.add(withShadowed(d));
          }
          // Two metadata entries for one package in one directory (a Debian .egg-info beside a
          // .dist-info): the same installed copy, listed once.
        });
      }
    }
    return new SitePackages(listings, out);
  }

  /** The existing directories named by the path lines of a directory's .pth files. */
  private static List<String> pthDirectories(Machine m, String dir, List<String> names) {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      if (!name.endsWith(".pth")) {
        continue;
      }
      MachineFs.Text t = m.fs().readText(dir + "/" + name, 64 * 1024);
      if (!t.ok()) {
        continue;
      }
      for (String line : Lines.of(t.text())) {
        String p = line.strip();
        if (p.isEmpty() || p.startsWith("#") || p.startsWith("import ") || p.startsWith("import\t")) {
          continue;
        }
        String abs = p.startsWith("/") ? p : dir + "/" + p;
        if (m.fs().isDirectory(abs)) {
          out.add(abs);
        }
      }
    }
    return out;
  }

  private static Distribution withShadowed(Distribution d) {
    return new Distribution(d.name(), d.version(), d.versionFrom(), d.location(), d.metadata(), d.installer(), d.requires(), d.editable(), true);
  }

  private static Optional<Distribution> distribution(Machine m, Notes notes, String dir, String entry, Set<String> editable) {
    String metaFile;
    String name = null;
    String version = null;
    if (entry.endsWith(".dist-info")) {
      metaFile = dir + "/" + entry + "/METADATA";
      Matcher d = DIST_INFO.matcher(entry);
      if (d.matches()) {
        name = d.group(1);
        version = d.group(2);
      }
    } else if (entry.endsWith(".egg-info")) {
      metaFile = m.fs().isDirectory(dir + "/" + entry) ? dir + "/" + entry + "/PKG-INFO" : dir + "/" + entry;
    } else {
      return Optional.empty();
    }
    String key = name == null ? null : PythonTexts.normalize(name);
    boolean wanted = key == null || READ_METADATA.contains(key) || key.startsWith("nvidia-") || key.startsWith("cuda-");
    if (!wanted) {
      return Optional.of(new Distribution(name, version, "directory name", dir, metaFile, null, List.of(), editable.contains(key), false));
    }
    MachineFs.Text t = m.fs().readText(metaFile, 16 * 1024);
    if (!t.ok()) {
      notes.add(metaFile + ": " + t.error());
      return Optional.empty();
    }
    Map<String, List<String>> h = PythonTexts.metadataHeaders(t.text());
    String metaName = first(h, "Name");
    String metaVersion = first(h, "Version");
    if (metaName == null || metaVersion == null) {
      notes.add(metaFile + ": no Name or Version header");
      return Optional.empty();
    }
    String installer = null;
    boolean isEditable = editable.contains(PythonTexts.normalize(metaName));
    if (entry.endsWith(".dist-info")) {
      MachineFs.Text inst = m.fs().readText(dir + "/" + entry + "/INSTALLER", 256);
      installer = inst.ok() ? inst.text().strip() : null;
      MachineFs.Text url = m.fs().readText(dir + "/" + entry + "/direct_url.json", 16 * 1024);
      isEditable |= url.ok() && url.text().replace(" ", "").contains("\"editable\":true");
    }
    return Optional.of(new Distribution(metaName, metaVersion, "METADATA", dir, metaFile, installer, h.getOrDefault("Requires-Dist", List.of()), isEditable, false));
  }

  private static String first(Map<String, List<String>> h, String key) {
    List<String> v = h.get(key);
    return v == null || v.isEmpty() ? null : v.getFirst();
  }

  List<Distribution> distributions() {
    return distributions;
  }

  /** The distribution Python would import under this (normalised) name. */
  Optional<Distribution> winner(String name) {
    return Optional.ofNullable(winners.get(PythonTexts.normalize(name)));
  }

  /** The first import-path directory that holds a top-level entry of this name. */
  Optional<String> dirHolding(String entry) {
    for (Map.Entry<String, List<String>> e : listings.entrySet()) {
      if (java.util.Collections.binarySearch(e.getValue(), entry) >= 0) {
        return Optional.of(e.getKey());
      }
    }
    return Optional.empty();
  }

  /** The top-level entries of one import-path directory (sorted). */
  List<String> entries(String dir) {
    return listings.getOrDefault(dir, List.of());
  }

  /** The import path as read: the given directories plus those that .pth files added. */
  List<String> importPath() {
    return List.copyOf(listings.keySet());
  }
}
