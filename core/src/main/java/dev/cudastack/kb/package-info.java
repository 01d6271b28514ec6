/**
 * The knowledge base: compatibility facts as data (JSON under /kb, each row with its source and the
 * date it was checked), one {@link dev.cudastack.kb.Version} type, and queries that say plainly when
 * a version is newer than anything the data knows.
 */
package dev.cudastack.kb;
