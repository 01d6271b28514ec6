package dev.cudastack.json;

import dev.cudastack.model.Snapshot;
import java.util.Map;

/** The snapshot's JSON form (see docs/snapshot.md): writing, reading back, and anonymising. */
public final class SnapshotJson {
  private SnapshotJson() {}

  public static String write(Snapshot s) {
    return Json.write(RecordCodec.toTree(s));
  }

  /** Reads a snapshot written by this or an earlier schema version. */
  public static Snapshot read(String text) throws JsonException {
    Object tree = Json.parse(text);
    if (!(tree instanceof Map<?, ?> m)) {
      throw new JsonException("a snapshot is a JSON object");
    }
    // A report written with --json carries the snapshot under "snapshot".
    if (!m.containsKey("schemaVersion") && m.get("snapshot") instanceof Map<?, ?> inner) {
      m = inner;
    }
    Object v = m.get("schemaVersion");
    if (!(v instanceof Long version)) {
      throw new JsonException("not a cudastack snapshot: no schemaVersion");
    }
    if (version > Snapshot.SCHEMA_VERSION || version < 1) {
      throw new JsonException("snapshot schemaVersion " + version + " is not supported (this cudastack reads 1.." + Snapshot.SCHEMA_VERSION + ")");
    }
    return RecordCodec.fromTree(m, Snapshot.class);
  }

  /** The same snapshot with GPU UUIDs, the host name and home-directory names replaced. */
  public static Snapshot anonymize(Snapshot s) {
    Object tree = RecordCodec.toTree(s);
    Object cleaned = new Anonymizer(s).rewrite(tree);
    try {
      return RecordCodec.fromTree(cleaned, Snapshot.class).withInspection(s.inspection().withAnonymized());
    } catch (JsonException e) {
      throw new IllegalStateException("anonymised snapshot no longer reads back: " + e.getMessage(), e);
    }
  }
}
