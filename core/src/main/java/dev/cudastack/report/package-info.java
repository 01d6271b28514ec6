/**
 * Renderers: the terminal text, Markdown and JSON forms of a snapshot (and, later, its findings).
 * {@link dev.cudastack.report.StackView} turns the snapshot into layers of items once; the text and
 * Markdown renderers only lay those out. Reports write to an injected writer, decide nothing and
 * probe nothing.
 */
package dev.cudastack.report;
