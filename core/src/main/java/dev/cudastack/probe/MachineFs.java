package dev.cudastack.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The machine's filesystem seen from a root directory. Paths given to and returned by this class
 * are machine paths ("/usr/local/cuda"); under {@code --root DIR} they map to DIR/usr/local/cuda,
 * symlinks are resolved inside DIR (an absolute target means DIR + target, {@code ..} never
 * leaves DIR) and nothing is executed or loaded.
 *
 * <p>With {@code linkStubs} on, a tiny one-line regular file whose text names an existing sibling
 * ("cuda-10.1") is read as the symlink it stands for: that is how git checks out symlinks where it
 * cannot create them, and how the shared scenario trees arrive.
 */
public final class MachineFs {
  private static final int MAX_LINK_HOPS = 40;
  private static final int LINK_STUB_MAX = 255;
  private final Path root;
  private final boolean linkStubs;

  private MachineFs(Path root, boolean linkStubs) {
    this.root = root.toAbsolutePath().normalize();
    this.linkStubs = linkStubs;
  }

  /** The running machine's own filesystem. */
  public static MachineFs live() {
    return new MachineFs(Path.of("/"), false);
  }

  /** A directory tree inspected as if it were "/". */
  public static MachineFs rooted(Path dir) {
    return new MachineFs(dir, true);
  }

  public boolean isLive() {
    return root.getParent() == null;
  }

  /** The host path for a machine path, without resolving links. */
  public Path host(String machinePath) {
    String rel = machinePath.startsWith("/") ? machinePath.substring(1) : machinePath;
    return rel.isEmpty() ? root : root.resolve(rel);
  }

  /** The outcome of resolving a path: its real machine path and the links followed, or why not. */
  public record Resolved(String path, List<String> chain, String error) {
    public boolean ok() {
      return error == null;
    }
  }

  /**
   * Resolves every symlink in a machine path, inside the root. {@code chain} lists each link that
   * was followed, as "link -> target". A missing file is reported as an error, as are loops.
   */
  public Resolved resolve(String machinePath) {
    Deque<String> todo = new ArrayDeque<>(split(machinePath));
    List<String> done = new ArrayList<>();
    List<String> chain = new ArrayList<>();
    int hops = 0;
    // How many of the next components came from a link's target: a missing one means the link dangles.
    int fromLink = 0;
    while (!todo.isEmpty()) {
      String part = todo.pollFirst();
      fromLink = Math.max(0, fromLink - 1);
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!done.isEmpty()) {
          done.removeLast();
        }
        continue;
      }
      done.add(part);
      String current = join(done);
      Path h = host(current);
      String target = linkTarget(h);
      if (target == null) {
        if (!Files.exists(h, LinkOption.NOFOLLOW_LINKS)) {
          return new Resolved(current, chain, fromLink > 0 ? "dangling symlink (" + chain.getLast() + ")" : "no such file");
        }
        continue;
      }
      if (++hops > MAX_LINK_HOPS) {
        return new Resolved(current, chain, "symlink loop (more than " + MAX_LINK_HOPS + " links)");
      }
      chain.add(current + " -> " + target);
      done.removeLast();
      List<String> rest = new ArrayList<>(todo);
      todo.clear();
      if (target.startsWith("/")) {
        done.clear();
      }
      List<String> targetParts = split(target);
      fromLink = targetParts.size() + 1;
      todo.addAll(targetParts);
      todo.addAll(rest);
    }
    return new Resolved(join(done), chain, null);
  }

  private String linkTarget(Path h) {
    if (Files.isSymbolicLink(h)) {
      try {
        return Files.readSymbolicLink(h).toString();
      } catch (IOException | UnsupportedOperationException e) {
        return null;
      }
    }
    if (linkStubs) {
      return linkStub(h);
    }
    return null;
  }

  private String linkStub(Path h) {
    try {
      BasicFileAttributes a = Files.readAttributes(h, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!a.isRegularFile() || a.size() == 0 || a.size() > LINK_STUB_MAX) {
        return null;
      }
      byte[] bytes = Files.readAllBytes(h);
      for (byte b : bytes) {
        if (b < 0x21 || b == 0x7f) {
          return null;
        }
      }
      String t = new String(bytes, StandardCharsets.UTF_8);
      if (t.startsWith("/") || t.startsWith("#!")) {
        return null;
      }
      Path sibling = h.getParent().resolve(t).normalize();
      return sibling.startsWith(root) && Files.exists(sibling, LinkOption.NOFOLLOW_LINKS) ? t : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static List<String> split(String p) {
    List<String> out = new ArrayList<>();
    for (String s : p.split("/")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  private static String join(List<String> parts) {
    return parts.isEmpty() ? "/" : "/" + String.join("/", parts);
  }

  /** The host path of the real file behind a machine path, if it resolves. */
  public Optional<Path> real(String machinePath) {
    Resolved r = resolve(machinePath);
    return r.ok() ? Optional.of(host(r.path())) : Optional.empty();
  }

  public boolean isDirectory(String machinePath) {
    return real(machinePath).map(Files::isDirectory).orElse(false);
  }

  public boolean isFile(String machinePath) {
    return real(machinePath).map(Files::isRegularFile).orElse(false);
  }

  public boolean exists(String machinePath) {
    return real(machinePath).isPresent();
  }

  /** Whether the path itself (not its target) is a symlink or a link stub. */
  public boolean isLink(String machinePath) {
    return linkTarget(host(machinePath)) != null;
  }

  /** The result of reading a text file: its text, or why it could not be read. */
  public record Text(String text, String error) {
    public boolean ok() {
      return error == null;
    }
  }

  /** Reads a small text file (at most {@code maxBytes}); binary content is refused. */
  public Text readText(String machinePath, int maxBytes) {
    Resolved r = resolve(machinePath);
    if (!r.ok()) {
      return new Text(null, r.error());
    }
    Path h = host(r.path());
    if (Files.isDirectory(h)) {
      return new Text(null, "is a directory");
    }
    try (InputStream in = Files.newInputStream(h)) {
      byte[] bytes = in.readNBytes(maxBytes);
      for (byte b : bytes) {
        if (b == 0) {
          return new Text(null, "binary file where text was expected");
        }
      }
      String t = StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
      return new Text(t, null);
    } catch (AccessDeniedException e) {
      return new Text(null, "permission denied");
    } catch (NoSuchFileException e) {
      return new Text(null, "no such file");
    } catch (IOException e) {
      return new Text(null, describe(e));
    }
  }

  /** Reads the first {@code maxBytes} of a file as raw bytes. */
  public Optional<byte[]> readBytes(String machinePath, int maxBytes) {
    Optional<Path> h = real(machinePath);
    if (h.isEmpty() || !Files.isRegularFile(h.get())) {
      return Optional.empty();
    }
    try (InputStream in = Files.newInputStream(h.get())) {
      return Optional.of(in.readNBytes(maxBytes));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** A directory listing: the entry names, sorted, or why it could not be read. */
  public record Listing(List<String> names, String error) {
    public boolean ok() {
      return error == null;
    }
  }

  /** Lists a directory (following links to it); at most {@code max} entries are returned. */
  public Listing list(String machinePath, int max) {
    Resolved r = resolve(machinePath);
    if (!r.ok()) {
      return new Listing(List.of(), r.error());
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(host(r.path()))) {
      for (Path p : ds) {
        if (names.size() >= max) {
          break;
        }
        names.add(p.getFileName().toString());
      }
    } catch (AccessDeniedException e) {
      return new Listing(List.of(), "permission denied");
    } catch (NoSuchFileException e) {
      return new Listing(List.of(), "no such directory");
    } catch (NotDirectoryException e) {
      return new Listing(List.of(), "not a directory");
    } catch (IOException e) {
      return new Listing(List.of(), describe(e));
    }
    names.sort(null);
    return new Listing(names, null);
  }

  /** Whether a file's execute bit is set (no execution takes place). */
  public boolean isExecutable(String machinePath) {
    return real(machinePath).map(Files::isExecutable).orElse(false);
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  @Override
  public String toString() {
    return "MachineFs[" + root + "]";
  }
}
