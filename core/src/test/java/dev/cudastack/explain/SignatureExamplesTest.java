package dev.cudastack.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.LogSignature;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every signature carries examples of the lines it must catch (signatures.json "examples", one per
 * alternative of its pattern). A literal that misses a form its own pattern accepts would make the
 * prefilter skip that form silently; these tests catch it for each example.
 */
class SignatureExamplesTest {
  record Example(LogSignature signature, String text) {
    @Override
    public String toString() {
      return signature.id() + ": " + text.lines().findFirst().orElse("");
    }
  }

  static Stream<Example> examples() throws Exception {
    List<Example> out = new ArrayList<>();
    for (LogSignature s : KnowledgeBase.bundled().signatures()) {
      for (String e : s.examples()) {
        out.add(new Example(s, e));
      }
    }
    return out.stream();
  }

  @Test
  void everySignatureHasAnExample() throws Exception {
    assertThat(KnowledgeBase.bundled().signatures()).allSatisfy(s -> assertThat(s.examples()).as(s.id()).isNotEmpty());
  }

  @Test
  void docsExplainListsEverySignature() throws Exception {
    String doc = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/explain.md"));
    assertThat(KnowledgeBase.bundled().signatures()).allSatisfy(s -> assertThat(doc).as("tools/kb-signatures rewrites the table").contains("| `" + s.id() + "` |"));
  }

  @ParameterizedTest
  @MethodSource("examples")
  void theLiteralAndThePatternBothCatchTheExample(Example ex) {
    LogSignature s = ex.signature();
    List<String> literals = Arrays.asList(s.literal().split("\\|\\|"));
    Pattern p = Pattern.compile(s.pattern());
    List<String> lines = ex.text().lines().toList();
    boolean caught = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String joined = s.multiline() && i + 1 < lines.size() ? line + " " + lines.get(i + 1).strip() : line;
      if (literals.stream().anyMatch(line::contains) && p.matcher(joined).find()) {
        caught = true;
      }
    }
    assertThat(caught).as("%s: a literal of %s and the pattern on one line", ex, literals).isTrue();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void explainingTheExampleAloneGivesTheSignaturesCause(Example ex) throws Exception {
    LogSignature s = ex.signature();
    Explanation e = new Explainer(KnowledgeBase.bundled()).explain(List.of(new ByteArrayInputStream(ex.text().getBytes(StandardCharsets.UTF_8))));
    if ("fact".equals(s.kind())) {
      // a fact alone gives a cause only through the reasoning over facts, which names the fact's signature
      assertThat(e.causes()).allSatisfy(c -> assertThat(c.signatures()).contains(s.id()));
      return;
    }
    List<Explanation.Cause> from = e.causes().stream().filter(c -> c.signatures().contains(s.id())).toList();
    assertThat(from).as("%s gave %s", ex, e.causes()).isNotEmpty();
    if (s.kind() == null) {
      assertThat(from).extracting(Explanation.Cause::code).contains(s.code());
    }
  }
}
