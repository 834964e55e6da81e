/**
 * The bundled refusal and boilerplate phrases the `refusal` flag looks for (lower-case, matched as substrings of the
 * response). Replace or extend them with the accumulator's `refusalPhrases` option.
 */
export const DEFAULT_REFUSAL_PHRASES: readonly string[] = [
  'as an ai language model',
  'as an ai assistant',
  'as a large language model',
  "i'm sorry, but i can't",
  "i'm sorry, but i cannot",
  'i am sorry, but i cannot',
  "i'm unable to help with",
  "i can't assist with that",
  'i cannot assist with that',
  "i can't help with that",
  'i cannot fulfill this request',
  'i cannot provide',
  "i don't have personal opinions",
  'i do not have personal opinions',
  'my knowledge cutoff',
  'as of my last update',
  'i hope this helps!',
  'feel free to ask if you have any other questions',
];
