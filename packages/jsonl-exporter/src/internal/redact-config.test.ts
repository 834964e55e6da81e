import { describe, expect, it } from 'vitest';
import { parseExportConfig } from '../export-config.js';
import { redactConfig, redactSecrets } from './redact-config.js';

describe('redactConfig', () => {
  it('takes out every password of a connection string, in the user part, the URL query or key=value settings', () => {
    const config = parseExportConfig({
      source: { type: 'postgres', table: 't', url: 'postgres://app:S3cretPW@db:5432/test?sslmode=disable&password=S3cretPW2&sslpassword=k3y' },
      pii: { policy: 'redact', strategy: 'hash', hash_key: 'a-long-enough-hmac-key' },
    });
    const text = JSON.stringify(redactConfig(config));
    for (const secret of ['S3cretPW', 'S3cretPW2', 'k3y', 'a-long-enough-hmac-key']) expect(text).not.toContain(secret);
    expect(text).toContain('postgres://app:[redacted]@db:5432/test?sslmode=disable&password=[redacted]&sslpassword=[redacted]');
    // libpq quotes a value with spaces, and escapes a quote inside it with a backslash.
    expect(redactSecrets("host=db password='it\\'s secret' user=app")).toBe('host=db password=[redacted] user=app');
    expect(redactSecrets('host=db PASSWORD=x dbname=test')).toBe('host=db PASSWORD=[redacted] dbname=test');
    // pg takes an unencoded @ in the password: all of it goes, up to the last @ before the host.
    expect(redactSecrets('postgres://app:s3cr@t@127.0.0.1:1/db')).toBe('postgres://app:[redacted]@127.0.0.1:1/db');
    // Only the setting itself: a parameter that merely ends in "password" is someone else's.
    expect(redactSecrets('postgres://db/test?mypassword=keep')).toBe('postgres://db/test?mypassword=keep');
  });
});
