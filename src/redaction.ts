/**
 * Keeping secrets out of everything the shim prints, in two lines of defence.
 *
 * 1. Environment values are never printed, but for SHOWN_VARIABLES: every other variable is shown
 *    by name, as `<hidden: N characters>` (`shownValue`). No pattern list can know every shape of
 *    secret a connector reads from its environment; a list of the few values people need to see can.
 * 2. Arguments, paths and URIs must be printed, so `redact`, one text filter, hides the credentials
 *    they may hold. The logger, describeError, the error-line writer and the stdout writer
 *    (output.ts) all pass their text through it, so a new message cannot bypass it. Over-redacting
 *    a harmless value is preferred to printing a secret; no pattern may swallow text beyond the
 *    value it hides.
 *
 * `--show-values` (a person debugging at a terminal: cli.ts, main.ts) turns both off.
 */

export const REDACTED = '<redacted>';

/**
 * The only environment variables whose values are printed: not secrets, and needed to understand a
 * launch (README "Output"). Names are compared in upper case (Windows' `Path`).
 */
export const SHOWN_VARIABLES: ReadonlySet<string> = new Set([
  // PATH and its kin: where the child's programs and libraries come from.
  'PATH', 'PATHEXT', 'LD_LIBRARY_PATH', 'DYLD_LIBRARY_PATH', 'NODE_PATH', 'PYTHONPATH', 'CLASSPATH', 'JAVA_HOME',
  // The directories, port and host of the DDN contract.
  'HASURA_DDN_NATIVE_CONNECTOR_DIR', 'HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR', 'HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH',
  'HASURA_CONFIGURATION_DIRECTORY', 'HASURA_CONNECTOR_PORT', 'HASURA_CONNECTOR_HOST',
  // Log levels and the shim's own settings.
  'NDC_SHIM_LOG_LEVEL', 'HASURA_PLUGIN_LOG_LEVEL', 'RUST_LOG', 'NDC_SHIM_MANIFEST',
]);

let revealed = false;

/** `--show-values`: print every value as it is, for this process (checked in main.ts: a terminal only). */
export function revealValues(): void {
  revealed = true;
}

/** A variable's value as printed: itself (filtered) when on SHOWN_VARIABLES, else only its length. */
export function shownValue(name: string, value: string): string {
  if (revealed) return value;
  if (SHOWN_VARIABLES.has(name.toUpperCase())) return redact(value);
  return `<hidden: ${value.length} character${value.length === 1 ? '' : 's'}>`;
}

/** An environment as printed: see shownValue. */
export function shownEnvironment(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, shownValue(name, value)]));
}

const SECRET_WORDS = /SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|KEY|CREDENTIAL|JWT|PRIVATE|AUTH/i;
/** Words that count only as a whole word of the name: PAT (not PATH), PASS (not PASSENGER), PWD (not the working directory `PWD` itself). */
const SECRET_SEGMENT = /(^|_)(PAT|PASS|PWD|SIG)(_|$)/i;

/** Names (of variables, keys, JSON members) whose values are secrets. */
export const isSecretName = (name: string) =>
  (SECRET_WORDS.test(name) || SECRET_SEGMENT.test(name)) && !/^(OLD)?PWD$/i.test(name);

/** Keys of `key=value` pairs (query strings, `Key=Value;` connection strings, libpq) whose values are secrets. */
const isSecretKey = (key: string) => {
  const name = key.replace(/^-+/, '');
  return isSecretName(name) || /^(?:pwd|pass|passwd|sig|auth|authorization)$/i.test(name);
};

// A URI's user-info. `user:password@`: the password runs to the last `@` before white space (it may
// hold `@`, `/`, quotes, `<`, `>`), unless what follows the colon is a port. `token@`: up to the
// last `@` of the authority. One slash after the scheme too: path.resolve turns `postgres://u:p@h`
// into `postgres:/u:p@h`. Text already redacted is left alone, so that the filter is stable.
// Bounded lengths keep hostile text (thousands of `x://a:` without an `@`) linear.
const URI_USERINFO = /\b([a-z][a-z0-9+.-]{0,32}:\/\/?)(?:([^\s/?#@:"'<>]{0,256}):(?!\d*(?:[/?#;,\s"']|$))(?!<redacted>@)\S{0,4096}@|([^\s/?#:"'<>]{1,4096})@)/gi;
// Oracle's `user/password@host` (jdbc:oracle:thin:scott/tiger@//host:1521/db).
const ORACLE_THIN = /(:thin:)([^\s/@:"']*)\/[^\s@"']*@/gi;
// key=value: the value is quoted ('...', "...", \"...\" inside JSON, {...}) or runs to `&`, `;`,
// whitespace or a quote. A quote must close before a separator: `"password=", "x"` in JSON is an empty value.
const KEY_VALUE = /((?:^|[\s?&;,("'{[])[-A-Za-z0-9_.]{1,256}\s*=\s*)('[^'\n]{0,4096}'(?=[\s;&,)}\]]|$)|"[^"\n]{0,4096}"(?=[\s;&,)}\]]|$)|\\"(?:[^"\\]|\\[^"]){0,16384}\\"|\{[^}\n]{0,4096}\}|(?:[^\s&;"'\\]|\\.){0,16384})/g;
// "key": "value" or "key": 123 (JSON), also JSON written inside a JSON string (\"key\": \"value\").
const JSON_MEMBER = /("([^"\\]{1,256})"\s*:\s*)("(?:[^"\\]|\\.){0,16384}"|-?[\d.eE+-]{1,64})/g;
const ESCAPED_JSON_MEMBER = /(\\"([^"\\]{1,256})\\"\s*:\s*)(\\"(?:[^"\\]|\\[^"]){0,16384}\\"|-?[\d.eE+-]{1,64})/g;
// YAML's `password: value` (or an HTTP header's `Authorization: ...`): the value runs to the end of its
// line, a real line break or one escaped in JSON text. An unescaped `"` ends it only where JSON text
// goes on (`","`), since a raw value may hold quotes. Keys are found first and values cut only after
// a secret one, so that `error: ... password: x` still finds the password.
const COLON_KEY = /(?:^|[\s{,'"]|\\n)([A-Za-z][-A-Za-z0-9_.]{0,255}):[ \t]+/g;
const COLON_VALUE = /(?:[^\r\n\\"]|\\(?![nr])|"(?![,}\]:]|$)){1,16384}/y;
// A private key (PEM, PGP) with its end marker: the body holds no `-----`, so a scan never runs past
// the next marker. Without an end marker: the header and the base64 lines after it.
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]{0,64}PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-(?!----)){0,65536}-----END [A-Z ]{0,64}PRIVATE KEY(?: BLOCK)?-----/g;
const PRIVATE_KEY_HEAD = /-----BEGIN [A-Z ]{0,64}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\r\n]|\\[nr]){0,65536}/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,16384}/gi;
// A JSON Web Token wherever it stands: header and payload are base64url JSON (`eyJ`).
const JWT = /\beyJ[A-Za-z0-9_-]{2,16384}\.eyJ[A-Za-z0-9_-]{2,16384}\.[A-Za-z0-9_-]{0,16384}/g;

/** A value already hidden, by the filter or by shownValue (a plan in the debug log). */
const isHidden = (value: string) => value.includes(REDACTED) || /^\\?"<hidden: \d+ characters?>\\?"$/.test(value);

/** Hides every credential a text may quote: URI user-info, secret keys' values, JSON and YAML secrets, private keys, tokens. */
export function redact(text: string): string {
  if (revealed) return text;
  const filtered = text
    .replace(PRIVATE_KEY_BLOCK, REDACTED)
    .replace(PRIVATE_KEY_HEAD, REDACTED)
    .replace(URI_USERINFO, (_whole, scheme: string, user?: string) =>
      (user !== undefined ? `${scheme}${user}:${REDACTED}@` : `${scheme}${REDACTED}@`))
    .replace(ORACLE_THIN, (_whole, prefix: string, user: string) => `${prefix}${user}/${REDACTED}@`)
    .replace(KEY_VALUE, (whole, key: string, value: string) => {
      const name = key.replace(/^[\s?&;,("'{[]/, '').replace(/\s*=\s*$/, '');
      if (!isSecretKey(name) || value === '' || value.includes(REDACTED)) return whole;
      return `${key}${REDACTED}`;
    })
    .replace(JSON_MEMBER, (whole, key: string, name: string, value: string) =>
      isSecretKey(name) && !isHidden(value) ? `${key}"${REDACTED}"` : whole)
    .replace(ESCAPED_JSON_MEMBER, (whole, key: string, name: string, value: string) =>
      isSecretKey(name) && !isHidden(value) ? `${key}\\"${REDACTED}\\"` : whole)
    .replace(BEARER, (_whole, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JWT, REDACTED);
  return redactColonMembers(filtered);
}

function redactColonMembers(text: string): string {
  let shown = '';
  let copied = 0;
  COLON_KEY.lastIndex = 0;
  for (let key = COLON_KEY.exec(text); key; key = COLON_KEY.exec(text)) {
    if (!isSecretKey(key[1])) continue;
    COLON_VALUE.lastIndex = key.index + key[0].length;
    const value = COLON_VALUE.exec(text)?.[0];
    if (!value || value.startsWith(REDACTED)) continue;
    // `Authorization: Bearer x`: the scheme stays readable.
    const scheme = /^(Bearer|Basic)\s+/i.exec(value)?.[0] ?? '';
    if (value.slice(scheme.length).startsWith(REDACTED)) continue;
    shown += `${text.slice(copied, COLON_VALUE.lastIndex - value.length)}${scheme}${REDACTED}`;
    copied = COLON_VALUE.lastIndex;
    COLON_KEY.lastIndex = copied;
  }
  return shown + text.slice(copied);
}

/** Every string inside a value to be printed as JSON, redacted: the JSON stays valid whatever a pattern matches. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item)])) as T;
  return value;
}

/** An option whose next argument is a secret: `--password`, `--api-key`, `-token`. */
export const isSecretOption = (arg: unknown) => typeof arg === 'string' && /^--?[A-Za-z][-A-Za-z0-9_]*$/.test(arg) && isSecretKey(arg.replace(/^-+/, ''));

/** An argument list as printed: credentials inside each argument, and the value after an option such as `--password`. */
export function redactArgv(argv: readonly string[]): string[] {
  if (revealed) return [...argv];
  return argv.map((arg, index) => (index > 0 && isSecretOption(argv[index - 1]) ? REDACTED : redact(arg)));
}
