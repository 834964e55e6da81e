const NEWLINE = 10;
const SPACE = 32;
const TAB = 9;
const CR = 13;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Counts the records of JSONL bytes fed chunk by chunk, as `readJsonl` of @lorakit/schema-validation does: lines
 * holding anything but spaces, tabs and CR, after a UTF-8 BOM at the start.
 */
export class LineCounter {
  records = 0;
  private content = false;
  // BOM bytes matched at the start of the file so far, -1 once the start is past. readJsonl drops a BOM there, so
  // a first line holding only a BOM is blank in both. Matched byte by byte: a chunk may end inside the BOM.
  private bom = 0;

  // Newlines are found with Buffer#indexOf (memchr); within a line the scan stops at the first non-whitespace byte,
  // which for JSONL is the first byte. UTF-8 continuation bytes are never ASCII whitespace or newline, so no
  // decoding is needed.
  add(chunk: Buffer): void {
    let start = 0;
    while (this.bom !== -1 && start < chunk.length) {
      if (chunk[start] === BOM[this.bom]) {
        start += 1;
        this.bom = this.bom === BOM.length - 1 ? -1 : this.bom + 1;
      } else {
        // Half a BOM is not a BOM: the bytes skipped are content.
        if (this.bom > 0) this.content = true;
        this.bom = -1;
      }
    }
    let content = this.content;
    let records = this.records;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      for (let i = start; !content && i < end; i += 1) {
        const byte = chunk[i] as number;
        if (byte !== SPACE && byte !== TAB && byte !== CR) content = true;
      }
      if (newline === -1) break;
      if (content) records += 1;
      content = false;
      start = newline + 1;
    }
    this.content = content;
    this.records = records;
  }

  finish(): number {
    if (this.content || this.bom > 0) this.records += 1;
    this.content = false;
    return this.records;
  }
}
