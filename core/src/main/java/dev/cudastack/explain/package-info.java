/**
 * `cudastack explain`: a log, streamed once, matched against the signature catalog
 * (kb/signatures.json) and turned into ranked causes with the doctor's finding codes. Pure: it
 * reads the given stream and the knowledge base, nothing else.
 */
package dev.cudastack.explain;
