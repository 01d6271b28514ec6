package dev.cudastack;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The one-way data flow (probe → snapshot → check → report) and the "no printing in core" rule. */
class ArchitectureTest {
  private static final JavaClasses CORE = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.cudastack");

  @Test
  void modelDependsOnNothingElseInCudastack() {
    noClasses().that().resideInAPackage("dev.cudastack.model..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.cudastack.probe..", "dev.cudastack.report..", "dev.cudastack.json..", "dev.cudastack.check..")
        .check(CORE);
  }

  @Test
  void checksNeitherProbeNorRender() {
    noClasses().that().resideInAPackage("dev.cudastack.check..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.cudastack.probe..", "dev.cudastack.report..", "dev.cudastack.json..")
        .check(CORE);
  }

  @Test
  void theKnowledgeBaseKnowsNoMachine() {
    noClasses().that().resideInAPackage("dev.cudastack.kb..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.cudastack.probe..", "dev.cudastack.report..", "dev.cudastack.check..", "dev.cudastack.model..")
        .check(CORE);
  }

  @Test
  void theBinaryReadersStandAlone() {
    noClasses().that().resideInAPackage("dev.cudastack.elf..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.cudastack.probe..", "dev.cudastack.report..", "dev.cudastack.check..", "dev.cudastack.model..", "dev.cudastack.json..")
        .check(CORE);
  }

  @Test
  void explainReadsOnlyTheLogAndTheKnowledgeBase() {
    noClasses().that().resideInAPackage("dev.cudastack.explain..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.cudastack.probe..", "dev.cudastack.report..", "dev.cudastack.check..", "dev.cudastack.elf..")
        .check(CORE);
  }

  @Test
  void probesNeverCheck() {
    noClasses().that().resideInAPackage("dev.cudastack.probe..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.cudastack.check..")
        .check(CORE);
  }

  @Test
  void probesNeverRenderAndReportsNeverProbe() {
    noClasses().that().resideInAPackage("dev.cudastack.probe..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.cudastack.report..")
        .check(CORE);
    noClasses().that().resideInAPackage("dev.cudastack.report..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.cudastack.probe..")
        .check(CORE);
  }

  @Test
  void nothingInCorePrintsToTheTerminal() {
    noClasses().should().accessField(System.class, "out").orShould().accessField(System.class, "err").check(CORE);
  }
}
