package dev.cudastack.plan;

import java.util.List;

/**
 * What a project's files say: requirements in file order, package indexes, the Python range it
 * requires, CUDA hints (a Docker base image, conda's pytorch-cuda/cudatoolkit), the files read, and
 * what could not be read.
 */
public record Project(
    String path,
    List<String> files,
    List<Requirement> requirements,
    List<String> indexUrls,
    List<String> findLinks,
    String pythonRequires,
    String pythonPinned,
    String cudaHint,
    String cudaHintFrom,
    List<String> notes) {
  public Project {
    files = List.copyOf(files);
    requirements = List.copyOf(requirements);
    indexUrls = List.copyOf(indexUrls);
    findLinks = List.copyOf(findLinks);
    notes = List.copyOf(notes);
  }

  /** The first requirement of that (normalised) name. */
  public java.util.Optional<Requirement> get(String name) {
    String n = Requirement.normalize(name);
    return requirements.stream().filter(r -> r.name().equals(n)).findFirst();
  }
}
