/**
 * Keeping secrets out of everything the shim prints. `redact` is the one text filter: the logger,
 * describeError and the stdout writer (output.ts) all pass their final text through it, so a new
 * message cannot bypass it. Over-redacting a harmless value is preferred to printing a secret.
 */

export const REDACTED = '<redacted>';

const SECRET_WORDS = /SECRET|TOKEN|PASSWORD|PASSWD|KEY|CREDENTIAL/i;
/** `PAT` counts only as a whole word of the name, so that PATH and PATHEXT stay readable. */
const SECRET_SEGMENT = /(^|_)PAT(_|$)/i;

/** Variable names whose values are secrets (names containing SECRET, TOKEN, PASSWORD, KEY, CREDENTIAL, or the word PAT). */
export const isSecretName = (name: string) => SECRET_WORDS.test(name) || SECRET_SEGMENT.test(name);

/** Keys of `key=value` pairs (query strings, `Key=Value;` connection strings, libpq) whose values are secrets. */
const isSecretKey = (key: string) => isSecretName(key) || /^(?:pwd|pass|passwd|sig|auth|authorization)$/i.test(key.replace(/^-+/, ''));

// A URI's user-info: the authority up to its last `@` (a password may hold `@`), or `user:` followed by
// anything up to an `@` (a password may hold `/`), unless what follows the colon is a port.
// One slash after the scheme too: path.resolve turns `postgres://u:p@h` into `postgres:/u:p@h`.
// Bounded lengths keep hostile text (thousands of `x://a:` without an `@`) linear.
const URI_USERINFO = /\b([a-z][a-z0-9+.-]+:\/\/?)(?:([^\s/?#"'<>]{0,4096})@|([^\s/?#@:"'<>]{0,256}):(?!\d*(?:[/?#;,\s"']|$))[^\s"'<>]{0,4096}@)/gi;
// Oracle's `user/password@host` (jdbc:oracle:thin:scott/tiger@//host:1521/db).
const ORACLE_THIN = /(:thin:)([^\s/@:"']*)\/[^\s@"']*@/gi;
// key=value: the value is quoted ('...', "...", \"...\" inside JSON, {...}) or runs to `&`, `;`,
// whitespace or a quote. A quote must close before a separator: `"password=", "x"` in JSON is an empty value.
const KEY_VALUE = /((?:^|[\s?&;,("'{[])[-A-Za-z0-9_.]+\s*=\s*)('[^'\n]{0,4096}'(?=[\s;&,)}\]]|$)|"[^"\n]{0,4096}"(?=[\s;&,)}\]]|$)|\\"(?:[^"\\]|\\[^"]){0,16384}\\"|\{[^}\n]{0,4096}\}|(?:[^\s&;"'\\]|\\.)*)/g;
// "key": "value" or "key": 123 (JSON), also JSON written inside a JSON string (\"key\": \"value\").
const JSON_MEMBER = /("([^"\\]+)"\s*:\s*)("(?:[^"\\]|\\.)*"|-?[\d.eE+-]+)/g;
const ESCAPED_JSON_MEMBER = /(\\"([^"\\]+)\\"\s*:\s*)(\\"(?:[^"\\]|\\[^"]){0,16384}\\"|-?[\d.eE+-]+)/g;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Hides every credential a text may quote: URI user-info, secret keys' values, JSON secrets, private keys, bearer tokens. */
export function redact(text: string): string {
  return text
    .replace(PEM_PRIVATE_KEY, REDACTED)
    .replace(URI_USERINFO, (_whole, scheme: string, userinfo?: string, loneUser?: string) => {
      if (loneUser !== undefined) return `${scheme}${loneUser}:${REDACTED}@`;
      const colon = userinfo!.indexOf(':');
      return colon === -1 ? `${scheme}${REDACTED}@` : `${scheme}${userinfo!.slice(0, colon)}:${REDACTED}@`;
    })
    .replace(ORACLE_THIN, (_whole, prefix: string, user: string) => `${prefix}${user}/${REDACTED}@`)
    .replace(KEY_VALUE, (whole, key: string, value: string) => {
      const name = key.replace(/^[\s?&;,("'{[]/, '').replace(/\s*=\s*$/, '');
      if (!isSecretKey(name) || value === '' || value.includes(REDACTED)) return whole;
      return `${key}${REDACTED}`;
    })
    .replace(JSON_MEMBER, (whole, key: string, name: string, value: string) =>
      isSecretName(name) && !value.includes(REDACTED) ? `${key}"${REDACTED}"` : whole)
    .replace(ESCAPED_JSON_MEMBER, (whole, key: string, name: string, value: string) =>
      isSecretName(name) && !value.includes(REDACTED) ? `${key}\\"${REDACTED}\\"` : whole)
    .replace(BEARER, (_whole, scheme: string) => `${scheme} ${REDACTED}`);
}

/** An environment as printed: secret-named variables hidden, credentials inside the other values too. */
export function redactEnvironment(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, isSecretName(name) ? REDACTED : redact(value)]));
}

/** An option whose next argument is a secret: `--password`, `--api-key`, `-token`. */
export const isSecretOption = (arg: unknown) => typeof arg === 'string' && /^--?[A-Za-z][-A-Za-z0-9_]*$/.test(arg) && isSecretKey(arg.replace(/^-+/, ''));

/** An argument list as printed: credentials inside each argument, and the value after an option such as `--password`. */
export function redactArgv(argv: readonly string[]): string[] {
  return argv.map((arg, index) => (index > 0 && isSecretOption(argv[index - 1]) ? REDACTED : redact(arg)));
}
