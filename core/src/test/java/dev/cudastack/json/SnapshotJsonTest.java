package dev.cudastack.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cudastack.model.Inspection;
import dev.cudastack.model.Snapshot;
import dev.cudastack.probe.EnvFile;
import dev.cudastack.probe.Machine;
import dev.cudastack.probe.SnapshotTaker;
import dev.cudastack.testing.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class SnapshotJsonTest {
  static Snapshot h100() throws Exception {
    Path dir = Shared.fixture("h100");
    Machine m = Machine.rooted(dir.resolve("root"), EnvFile.parse(Files.readString(dir.resolve("ENV"))), Duration.ofSeconds(2));
    return new SnapshotTaker(Clock.fixed(Instant.parse("2026-11-24T21:00:12Z"), ZoneOffset.UTC), "cudastack test").take(m, Inspection.root("/h100", "ENV"));
  }

  @Test
  void roundTripKeepsEveryFact() throws Exception {
    Snapshot s = h100();
    String json = SnapshotJson.write(s);
    assertThat(json).contains("\"schemaVersion\": 1").contains("\"status\": \"found\"").contains("\"kind\": \"file\"");
    Snapshot back = SnapshotJson.read(json);
    assertThat(back).isEqualTo(s);
    assertThat(SnapshotJson.write(back)).isEqualTo(json);
  }

  @Test
  void anonymizeStripsUuidsHostAndHomeNames() throws Exception {
    Path dir = Shared.scenario("seed-case");
    Machine m = Machine.rooted(dir.resolve("root"), EnvFile.parse(Files.readString(dir.resolve("ENV"))), Duration.ofSeconds(2));
    Snapshot s = new SnapshotTaker(Clock.systemUTC(), "t").take(m, Inspection.root("/x", "ENV"));
    String before = SnapshotJson.write(s);
    assertThat(before).contains("GPU-5f3c2d1e-8a7b-4c6d-9e0f-1a2b3c4d5e6f").contains("/home/can/");
    Snapshot anon = SnapshotJson.anonymize(s);
    String after = SnapshotJson.write(anon);
    assertThat(after).doesNotContain("5f3c2d1e").doesNotContain("6a4d2d1e").doesNotContain("/home/can").doesNotContain("\"can\"");
    assertThat(after).contains("GPU-anonymized-0").contains("GPU-anonymized-1").contains("/home/user/miniconda3");
    assertThat(anon.inspection().anonymized()).isTrue();
    assertThat(anon.gpus().devices()).hasSize(2);
  }

  @Test
  void missingMembersReadAsNotRecorded() throws Exception {
    Snapshot s = SnapshotJson.read("{\"schemaVersion\": 1, \"tool\": \"old\", \"futureMember\": 7}");
    assertThat(s.driver().kernelModule().summary()).contains("not recorded in this snapshot");
    assertThat(s.gpus().devices()).isEmpty();
    assertThat(s.toolkits().installs()).isEmpty();
  }

  @Test
  void refusesWhatIsNotASnapshot() {
    assertThatThrownBy(() -> SnapshotJson.read("[]")).isInstanceOf(JsonException.class).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> SnapshotJson.read("{\"a\": 1}")).isInstanceOf(JsonException.class).hasMessageContaining("schemaVersion");
    assertThatThrownBy(() -> SnapshotJson.read("{\"schemaVersion\": 99}")).isInstanceOf(JsonException.class).hasMessageContaining("not supported");
    assertThatThrownBy(() -> SnapshotJson.read("{\"schemaVersion\": 1, \"os\": 5}")).isInstanceOf(JsonException.class).hasMessageContaining("os");
    assertThatThrownBy(() -> Json.parse("[".repeat(5000))).isInstanceOf(JsonException.class).hasMessageContaining("nesting");
    assertThatThrownBy(() -> Json.parse("{\"a\": tru}")).isInstanceOf(JsonException.class);
  }

  @Property(tries = 300)
  void stringsSurviveWriteAndParse(@ForAll String s) throws Exception {
    Object back = Json.parse(Json.write(Map.of("k", s)));
    assertThat(back).isEqualTo(Map.of("k", s));
  }

  @Property(tries = 300)
  void arbitraryTextNeverEscapesAsAnythingButJsonException(@ForAll String s) {
    try {
      Json.parse(s);
    } catch (JsonException expected) {
      // the only allowed failure
    }
  }
}
