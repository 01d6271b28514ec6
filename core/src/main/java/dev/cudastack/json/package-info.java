/**
 * A small JSON writer and reader, and a codec between records and JSON trees. Kept in-house so the
 * doctor starts fast: no reflection-heavy data-binding library on the start-up path.
 */
package dev.cudastack.json;
