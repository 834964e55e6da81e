import { createHash, timingSafeEqual } from 'node:crypto';
import type { Scope, TokenConfig } from './config.js';
import { ServerError } from './errors.js';

/** Who made a request: the token's name and scopes. */
export interface Principal {
  /** The token's configured name (`anonymous` when auth is off). */
  name: string;
  scopes: readonly Scope[];
}

interface KnownToken {
  name: string;
  digest: Buffer;
  scopes: readonly Scope[];
}

/** Checks bearer tokens against the configured ones. */
export interface TokenVerifier {
  /** False when no token is configured: every request is then the anonymous admin (loopback only). */
  readonly enabled: boolean;
  /** The principal for an `Authorization` header value, or undefined when the token is missing or unknown. */
  verify(header: string | undefined): Principal | undefined;
}

const ANONYMOUS: Principal = { name: 'anonymous', scopes: ['admin'] };

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Build a verifier from configured tokens. Presented tokens are hashed and compared to every known digest with
 * `crypto.timingSafeEqual`, without stopping at the first match, so timing reveals neither the token nor its position.
 *
 * @throws ServerError `SERVER_CONFIG_INVALID` when a `token_env` variable is unset or shorter than 16 characters.
 */
export function createTokenVerifier(tokens: readonly TokenConfig[], env: NodeJS.ProcessEnv = process.env): TokenVerifier {
  const known: KnownToken[] = tokens.map((t) => {
    let digest: Buffer;
    if (t.token_sha256 !== undefined) digest = Buffer.from(t.token_sha256, 'hex');
    else if (t.token !== undefined) digest = sha256(t.token);
    else {
      const value = env[t.token_env ?? ''];
      if (value === undefined || value === '') {
        throw new ServerError('SERVER_CONFIG_INVALID', `token ${t.name}: environment variable ${t.token_env} is not set`);
      }
      // The same floor as a token written in the config: a short one is guessed by trying.
      if (value.length < 16) {
        throw new ServerError('SERVER_CONFIG_INVALID', `token ${t.name}: environment variable ${t.token_env} holds ${value.length} characters; a token needs at least 16`);
      }
      digest = sha256(value);
    }
    return { name: t.name, digest, scopes: t.scopes };
  });
  return {
    enabled: known.length > 0,
    verify(header) {
      if (known.length === 0) return ANONYMOUS;
      if (header === undefined) return undefined;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) return undefined;
      const presented = sha256(match[1]);
      let found: KnownToken | undefined;
      for (const token of known) {
        if (timingSafeEqual(presented, token.digest) && found === undefined) found = token;
      }
      return found && { name: found.name, scopes: found.scopes };
    },
  };
}

/** Whether a principal holds a scope (`admin` holds every scope). */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}
