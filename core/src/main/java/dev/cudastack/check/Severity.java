package dev.cudastack.check;

/** ERROR: GPU work will fail. WARNING: some workflows will fail or degrade. INFO: worth knowing. */
public enum Severity {
  ERROR,
  WARNING,
  INFO;

  /** "error", "warning", "info" as the JSON and the catalog write them. */
  public String label() {
    return this == ERROR ? "error" : this == WARNING ? "warning" : "info";
  }
}
