/** A turn of a conversation after mapping. */
export interface Turn {
  role: 'user' | 'assistant';
  text: string;
  /** openai style: the assistant message's own `weight` (0 or 1) in the record, written as it is. */
  weight?: 0 | 1;
}

/**
 * A sample between mapping and rendering. Filters, PII handling and weighting work on its texts; the style's
 * renderer turns it into the output line only at the end, so redaction never has to parse a rendered line.
 */
export interface Draft {
  system: string | undefined;
  /** User and assistant turns in order (instruction, completion and text styles use one or two). */
  turns: Turn[];
  /** Instruction style: the optional input / context. */
  input: string | undefined;
  /** Custom style: values of the declared output keys, in declaration order. */
  custom: unknown[] | undefined;
  /** The `metadata` object copied from the record, when metadata_fields are configured. */
  metadata: Record<string, unknown> | undefined;
  /** Computed weight (undefined when weighting is off). */
  weight: number | undefined;
}
