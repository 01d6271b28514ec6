/**
 * Checks: pure functions from a {@link dev.cudastack.model.Snapshot} and the
 * {@link dev.cudastack.kb.KnowledgeBase} to {@link dev.cudastack.check.Finding}s with stable codes
 * (docs/findings.md), plus the target stack proposed when the current one is broken. Nothing here
 * reads the machine or prints.
 */
package dev.cudastack.check;
