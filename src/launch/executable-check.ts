/**
 * Can the kernel run this file? Checked before both exec and spawn (POSIX), so that each cause
 * gets a line that explains it (a failed exec only has an errno; see replaceProcess in exec.ts for
 * what still fails there), and because spawn would run a file without a `#!` line through /bin/sh
 * where exec would fail: with this check both modes refuse it alike.
 *
 * What is checked, from the file's first bytes: a `#!` interpreter exists and is runnable (and for
 * `#!/usr/bin/env NAME`, that NAME is on the child's PATH), an ELF binary is complete, for this
 * machine, and its dynamic loader exists; Mach-O and PE binaries belong to their OS; and the
 * arguments plus environment fit the kernel's limits. What remains is a race (the file changes
 * between the check and the exec), ETXTBSY (someone holds the file open for writing) or a security
 * module's refusal, which no cheap check sees: those fail the exec or spawn itself, cleanly.
 *
 * Pure apart from the ExecutableView it is given (realExecutableView reads the real files).
 */
import * as nodeFs from 'node:fs';
import { ExitCode, ShimError, describeErrno } from '../errors';
import { foreignVirtualenv } from '../links';
import { pathFor, scriptNestingLimit, type PlatformFacts } from '../platform';
import { realFileSystem } from '../runtime';

export interface ExecutableView {
  kind(file: string): 'file' | 'directory' | 'missing';
  /** Why a 'missing' file could not be looked up (ENOENT, ELOOP, ENOTDIR, EACCES...); absent means ENOENT. */
  lookupError?(file: string): string | undefined;
  isExecutable(file: string): boolean;
  /** Up to `length` bytes from `offset`; undefined when the file cannot be read. */
  read(file: string, offset: number, length: number): Uint8Array | undefined;
  size(file: string): number | undefined;
  readText(file: string): string | undefined;
  list(dir: string): string[] | undefined;
  /** When a 'missing' file is a symbolic link whose target does not exist: that target (see links.ts). */
  danglingLink?(file: string): string | undefined;
}

export interface ExecutableCheckInput {
  executable: string;
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  /** The child's working directory: relative `#!` interpreters are taken from there, as the kernel does. */
  cwd: string;
  facts: Pick<PlatformFacts, 'family' | 'platform'>;
  arch: string;
  fs: ExecutableView;
}

/** The first bytes the kernel looks at (Linux BINPRM_BUF_SIZE); the `#!` line is read from the first 255 of them. */
const HEAD_BYTES = 256;
/** Where execvp (glibc's confstr _CS_PATH) looks when PATH is unset, as env does for `#!/usr/bin/env NAME`. */
const DEFAULT_PATH = '/bin:/usr/bin';
/** Linux MAX_ARG_STRLEN: one argument or NAME=value, with its terminating NUL. */
const MAX_ARG_STRLEN = 32 * 4096;
/** Linux: 128 KiB of arguments and environment is always allowed; up to a quarter of the stack limit, at most 6 MiB. */
const MIN_ARG_TOTAL = 32 * 4096;
const MAX_ARG_TOTAL = 6 * 1024 * 1024;

/** ELF e_machine values, and the names a user knows them by. */
export const MACHINES: Record<number, string> = {
  3: 'x86 (32-bit)', 8: 'mips', 20: 'powerpc', 21: 'ppc64', 22: 's390x', 40: 'arm (32-bit)', 62: 'x86-64',
  183: 'arm64 (aarch64)', 243: 'riscv64', 258: 'loongarch64',
};
/** Machines each Node architecture's kernel runs natively (a 64-bit kernel usually runs its 32-bit sibling). */
const HOST_MACHINES: Record<string, number[]> = {
  x64: [62, 3], ia32: [3], arm64: [183, 40], arm: [40], ppc64: [21], s390x: [22], riscv64: [243], loong64: [258],
  mips: [8], mipsel: [8],
};

const notExecutable = (message: string, fix: string) => new ShimError(message, ExitCode.notExecutable, fix);
const notFound = (message: string, fix: string) => new ShimError(message, ExitCode.notFound, fix);

/** Undefined when the kernel should be able to run `executable` with this argv and env; else why not. */
export function checkExecutable(input: ExecutableCheckInput): ShimError | undefined {
  if (input.facts.family !== 'posix') return undefined;
  return checkFormat(input, input.executable, 0) ?? checkSize(input);
}

function checkFormat(input: ExecutableCheckInput, file: string, depth: number): ShimError | undefined {
  const { fs } = input;
  const head = fs.read(file, 0, 4096);
  // Execute permission without read (mode 0111) is enough for the kernel to run a binary, so an
  // unreadable file is left to the exec itself, which fails cleanly where the kernel refuses it.
  if (!head) return undefined;
  if (head[0] === 0x23 && head[1] === 0x21) return checkShebang(input, file, head.subarray(0, HEAD_BYTES), depth);
  if (isElf(head)) return checkElf(input, file, head);
  const foreign = foreignFormat(head, input.facts.platform);
  if (foreign) {
    if (binfmtHandles(input, file, head)) return undefined;
    return notExecutable(`cannot execute ${file}: it is ${foreign}`, 'ship the build of the connector for this operating system and machine');
  }
  if (isMachO(head) || binfmtHandles(input, file, head)) return undefined;
  // The kernel says ENOEXEC here. A shell (and spawn, through execvp) would run it with /bin/sh;
  // exec cannot, so neither mode does: the same file behaves the same way in both.
  return notExecutable(`cannot execute ${file}: it has no #! line and is not a binary for this machine`,
    `if it is a shell script, make "#!/bin/sh" its first line`);
}

function checkShebang(input: ExecutableCheckInput, file: string, head: Uint8Array, depth: number): ShimError | undefined {
  const path = pathFor('posix');
  const parsed = parseShebang(head);
  if (parsed === 'cut') {
    return notExecutable(`cannot execute ${file}: its #! line is longer than the 255 bytes the kernel reads of it, which end inside the interpreter's name`,
      'shorten the interpreter\'s path (a symlink), or use #!/usr/bin/env NAME');
  }
  const { interpreter, argument, line } = parsed;
  // The kernel takes an empty name (a NUL right after #!) as a path and fails it with EACCES.
  if (!interpreter) return notExecutable(`cannot execute ${file}: its #! line names no interpreter`, 'put the interpreter\'s absolute path after #!');
  const limit = scriptNestingLimit(input.facts);
  if (depth >= limit) {
    return notExecutable(`cannot execute ${input.executable}: its #! interpreters nest ${depth + 1} scripts deep (down to ${file}), and this system follows ${limit === 1 ? 'no script as an interpreter' : `at most ${limit}`}`,
      'point the #! line at a binary');
  }
  const resolved = fromWorkingDirectory(input, interpreter);
  const kind = input.fs.kind(resolved);
  if (kind === 'missing') {
    const code = input.fs.lookupError?.(resolved) ?? 'ENOENT';
    if (code !== 'ENOENT') {
      return notExecutable(`cannot execute ${file}: its interpreter ${visible(interpreter)} (from the #! line) cannot be reached: ${describeErrno(code)}`,
        `fix the path, or change the first line of ${path.basename(file)}`);
    }
    // A link left dangling (a virtualenv copied from another machine) is named with its target.
    const target = input.fs.danglingLink?.(resolved);
    const venv = target === undefined ? undefined : foreignVirtualenv(resolved, input.fs, path);
    const what = target === undefined ? 'does not exist' : `is a symbolic link to ${visible(target)}, which does not exist${venv ? `, ${venv.reason}` : ''}`;
    return notFound(`cannot execute ${file}: its interpreter ${visible(interpreter)} (from the #! line) ${what}`,
      venv ? venv.fix : line.includes('\r') ? `the file has Windows line endings (CRLF): convert it to LF (dos2unix "${file}")`
        : `install it, or change the first line of ${path.basename(file)}`);
  }
  if (kind === 'directory' || !input.fs.isExecutable(resolved)) {
    return notExecutable(`cannot execute ${file}: its interpreter ${interpreter} (from the #! line) is ${kind === 'directory' ? 'a directory' : 'not executable'}`,
      `install it, or change the first line of ${path.basename(file)}`);
  }
  const inner = checkFormat(input, resolved, depth + 1);
  if (inner) return inner;
  if (path.basename(interpreter) === 'env' && argument) return checkEnvTarget(input, file, line, argument);
  return undefined;
}

/**
 * The `#!` line as Linux reads it (fs/binfmt_script.c): from the first 255 bytes, zero-filled past
 * the end of the file. Spaces and tabs separate; a NUL ends the interpreter's name or its
 * argument (a CR does not: it stays part of the word). Without a newline in the first 256 bytes,
 * the line is cut at 255, which is refused ('cut', ENOEXEC) unless a space, tab or NUL ends the
 * interpreter's name within them. `line` is what the user would see of it.
 */
function parseShebang(head: Uint8Array): { interpreter: string; argument: string; line: string } | 'cut' {
  const buffer = Buffer.alloc(HEAD_BYTES);
  buffer.set(head.subarray(0, HEAD_BYTES));
  const last = HEAD_BYTES - 1;
  const spaceTab = (at: number) => buffer[at] === 0x20 || buffer[at] === 0x09;
  const terminator = (at: number) => spaceTab(at) || buffer[at] === 0;
  let end = buffer.indexOf(0x0a);
  if (end === -1) {
    let first = 2;
    while (first <= last && spaceTab(first)) first++;
    let cut = first;
    while (cut <= last && !terminator(cut)) cut++;
    if (first <= last && cut > last) return 'cut';
    end = last;
  }
  while (end > 2 && spaceTab(end - 1)) end--;
  let name = 2;
  while (name < end && spaceTab(name)) name++;
  let separator = name;
  while (separator < end && !terminator(separator)) separator++;
  let argument = '';
  if (separator < end && buffer[separator] !== 0) {
    let start = separator;
    while (start < end && spaceTab(start)) start++;
    argument = cString(buffer.subarray(start, end));
  }
  return { interpreter: cString(buffer.subarray(name, separator)), argument, line: cString(buffer.subarray(2, end)).replace(/^[ \t]+/, '') };
}

/** Bytes up to the first NUL, as the kernel hands them on (C strings). */
const cString = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8').replace(/\0.*$/s, '');

/**
 * A path as the kernel resolves it for the child: relative ones from the child's working
 * directory, and never normalized (`..` after a symlink goes up from where the link points, and a
 * trailing slash demands a directory), which path.resolve would change.
 */
const fromWorkingDirectory = (input: ExecutableCheckInput, file: string) => (file.startsWith('/') ? file : `${input.cwd}/${file}`);

/**
 * `#!/usr/bin/env NAME`: env looks NAME up on the PATH the child gets. The kernel passes everything
 * after the interpreter as one argument, so `#!/usr/bin/env node --flag` asks env for a program
 * named "node --flag" (unless it says `-S`, which splits it). Refused only when the line is fully
 * understood (envTarget); anything else is left to env.
 */
function checkEnvTarget(input: ExecutableCheckInput, file: string, line: string, argument: string): ShimError | undefined {
  const target = envTarget(argument, input.env);
  if (!target) return undefined;
  const { name, env } = target;
  const runnable = (candidate: string) => input.fs.kind(candidate) === 'file' && input.fs.isExecutable(candidate);
  if (name.includes('/')) {
    if (runnable(fromWorkingDirectory(input, name))) return undefined;
  } else {
    // execvp's rules: an unset PATH means its default; an empty entry means the working directory.
    if ((env.PATH ?? DEFAULT_PATH).split(':').some((dir) => runnable(fromWorkingDirectory(input, `${dir || '.'}/${name}`)))) return undefined;
  }
  // -i, -u PATH or PATH=... on the line: env searches another PATH than the child's, named then.
  const where = env.PATH === input.env.PATH ? 'the child\'s PATH' : `the PATH env searches (${env.PATH ?? `unset: ${DEFAULT_PATH}`})`;
  return notFound(`cannot execute ${file}: \`${visible(name)}\` (from its first line, #!${visible(line)}) is not found on ${where}`,
    name.includes('\r') ? `the file has Windows line endings (CRLF): convert it to LF (dos2unix "${file}")`
      : name.includes(' ') ? 'env takes the rest of the #! line as one name: use `#!/usr/bin/env -S ...` to pass arguments'
        : `install ${name} or put its directory on PATH`);
}

/**
 * The program GNU env runs for this `#!` argument, and the environment it looks it up in: env's
 * -S splitting (quotes, ${VAR}), then -i / - (empty environment: execvp's default PATH), -u VAR,
 * -v, --, and NAME=VALUE assignments. Undefined for whatever else (-C, escapes, signal options...):
 * env decides those itself.
 */
function envTarget(argument: string, env: Readonly<Record<string, string>>): { name: string; env: Record<string, string | undefined> } | undefined {
  let words: string[] | undefined;
  if (argument.startsWith('-S')) words = splitLikeEnv(argument.slice(2), env);
  else if (argument.startsWith('--split-string=')) words = splitLikeEnv(argument.slice('--split-string='.length), env);
  else if (!argument.startsWith('-')) words = [argument];
  if (!words) return undefined;
  let childEnv: Record<string, string | undefined> = { ...env };
  let index = 0;
  for (; index < words.length && words[index].startsWith('-'); index++) {
    const word = words[index];
    if (word === '--') { index++; break; }
    if (word === '-' || word === '-i' || word === '--ignore-environment') childEnv = {};
    else if (word === '-u' || word === '--unset') delete childEnv[words[++index]];
    else if (word.startsWith('--unset=')) delete childEnv[word.slice('--unset='.length)];
    else if (/^-u./.test(word)) delete childEnv[word.slice(2)];
    else if (!['-v', '--debug', '-0', '--null'].includes(word)) return undefined;
  }
  for (; index < words.length && /^[^=]+=/.test(words[index]); index++) {
    const at = words[index].indexOf('=');
    childEnv[words[index].slice(0, at)] = words[index].slice(at + 1);
  }
  const name = words[index];
  return name === undefined || name === '' ? undefined : { name, env: childEnv };
}

/**
 * env -S's splitting of one string into words: spaces and tabs separate, '...' is literal, "..."
 * and bare words expand ${VAR} (from the environment env was given), # starts a comment.
 * Undefined for backslash escapes, other $ forms and unbalanced quotes, which are not followed here.
 */
function splitLikeEnv(text: string, env: Readonly<Record<string, string>>): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  const expand = (part: string) => (/\$(?!\{[A-Za-z_][A-Za-z0-9_]*\})/.test(part) ? undefined
    : part.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ''));
  for (let at = 0; at < text.length;) {
    const char = text[at];
    if (char === ' ' || char === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
      at++;
    } else if (char === '#' && word === undefined) {
      break;
    } else if (char === '\'' || char === '"') {
      const close = text.indexOf(char, at + 1);
      const inner = close === -1 ? undefined : text.slice(at + 1, close);
      const value = inner === undefined || inner.includes('\\') ? undefined : char === '"' ? expand(inner) : inner;
      if (value === undefined) return undefined;
      word = (word ?? '') + value;
      at = close + 1;
    } else {
      let stop = at;
      while (stop < text.length && !' \t\'"'.includes(text[stop])) stop++;
      const value = text.slice(at, stop).includes('\\') ? undefined : expand(text.slice(at, stop));
      if (value === undefined) return undefined;
      word = (word ?? '') + value;
      at = stop;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** A CR shown as \r, so that the one line stays one line and says what is there. */
const visible = (text: string) => text.replace(/\r/g, '\\r');

export const isElf = (head: Uint8Array) => head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;

export function isMachO(head: Uint8Array): boolean {
  const magic = head.length >= 4 ? Buffer.from(head.subarray(0, 4)).readUInt32BE(0) : 0;
  return [0xfeedface, 0xcefaedfe, 0xfeedfacf, 0xcffaedfe, 0xcafebabe].includes(magic);
}

/** A binary of another operating system: what the user should be told it is. */
function foreignFormat(head: Uint8Array, platform: string): string | undefined {
  if (head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a) return 'a Windows executable (PE)';
  if (platform !== 'darwin' && isMachO(head)) return 'a macOS executable (Mach-O)';
  if (platform === 'darwin' && isElf(head)) return 'a Linux executable (ELF)';
  return undefined;
}

function checkElf(input: ExecutableCheckInput, file: string, head: Uint8Array): ShimError | undefined {
  if (input.facts.platform === 'darwin') return notExecutable(`cannot execute ${file}: it is a Linux executable (ELF)`, 'ship the macOS build of the connector');
  const bits = head[4] === 2 ? 64 : 32;
  const headerSize = bits === 64 ? 64 : 52;
  const truncated = (what: string) => notExecutable(`cannot execute ${file}: it is truncated (${what})`, 'copy or download it again');
  if (head.length < headerSize) return truncated(`${head.length} bytes, shorter than an ELF header`);
  const data = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const littleEndian = head[5] !== 2;
  const u16 = (buffer: Buffer, at: number) => (littleEndian ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at));
  const u32 = (buffer: Buffer, at: number) => (littleEndian ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at));
  const word = (buffer: Buffer, at: number) => (bits === 64
    ? Number(littleEndian ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at)) : u32(buffer, at));

  const type = u16(data, 16);
  if (type !== 2 && type !== 3) {
    return notExecutable(`cannot execute ${file}: it is an ELF ${type === 1 ? 'object file' : type === 4 ? 'core dump' : 'file'}, not a program`, 'point the command at the program itself');
  }
  const machine = u16(data, 18);
  const host = HOST_MACHINES[input.arch];
  if (host && !host.includes(machine) && !kernelRunsNatively(input, machine) && !binfmtHandles(input, file, head)) {
    return notExecutable(`cannot execute ${file}: it is built for ${MACHINES[machine] ?? `ELF machine ${machine}`}, and this machine is ${MACHINES[host[0]]}`,
      `ship the ${MACHINES[host[0]]} build of the connector`);
  }
  const size = input.fs.size(file) ?? 0;
  const phoff = word(data, bits === 64 ? 32 : 28);
  const phentsize = u16(data, bits === 64 ? 54 : 42);
  const phnum = u16(data, bits === 64 ? 56 : 44);
  // A program header entry of another size is malformed: the kernel refuses it (ENOEXEC), and the
  // exec itself says so, in every mode; the entries cannot be read here.
  if (phentsize !== (bits === 64 ? 56 : 32)) return undefined;
  if (phoff + phentsize * phnum > size) return truncated(`${size} bytes, its program headers end at ${phoff + phentsize * phnum}`);
  const table = phoff + phentsize * phnum <= data.length
    ? data.subarray(phoff, phoff + phentsize * phnum)
    : Buffer.from(input.fs.read(file, phoff, phentsize * phnum) ?? new Uint8Array());
  if (table.length < phentsize * phnum) return truncated('its program headers cannot be read');
  for (let index = 0; index < phnum; index++) {
    const entry = table.subarray(index * phentsize, (index + 1) * phentsize);
    const kind = u32(entry, 0);
    const offset = word(entry, bits === 64 ? 8 : 4);
    const fileSize = word(entry, bits === 64 ? 32 : 16);
    if ((kind === 1 || kind === 3) && offset + fileSize > size) return truncated(`${size} bytes, a segment ends at ${offset + fileSize}`);
    if (kind !== 3) continue;
    // PT_INTERP: the dynamic loader, opened as the kernel does (a relative one from the child's
    // working directory). Missing (a binary for another libc, say), execve says ENOENT.
    const raw = offset + fileSize <= data.length ? data.subarray(offset, offset + fileSize) : Buffer.from(input.fs.read(file, offset, fileSize) ?? new Uint8Array());
    const loader = cString(raw);
    if (loader) {
      const problem = checkLoader(input, file, loader);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** The kernel opens the loader like a program (execute permission, a regular file) and loads only an ELF one. */
function checkLoader(input: ExecutableCheckInput, file: string, loader: string): ShimError | undefined {
  const resolved = fromWorkingDirectory(input, loader);
  const kind = input.fs.kind(resolved);
  const code = kind === 'missing' ? input.fs.lookupError?.(resolved) ?? 'ENOENT' : undefined;
  if (code === 'ENOENT') {
    return notFound(`cannot execute ${file}: its dynamic loader ${loader} does not exist (built for another C library or distribution?)`,
      'ship a build of the connector for this system (a static or musl build for Alpine images)');
  }
  const executable = kind === 'file' && input.fs.isExecutable(resolved);
  const head = executable ? input.fs.read(resolved, 0, 4) : undefined;
  const why = code ? `cannot be reached: ${describeErrno(code)}` : kind === 'directory' ? 'is a directory'
    : !executable ? 'is not executable' : head && !isElf(head) ? 'is not an ELF binary' : undefined;
  return why ? notExecutable(`cannot execute ${file}: its dynamic loader ${loader} ${why}`, 'ship a build of the connector for this system') : undefined;
}

/**
 * Whether the machine's own CPU runs `machine`, though the shim's runtime is built for another:
 * the shim itself then runs under an emulator (qemu-user), which reports its guest architecture
 * everywhere but in /proc/cpuinfo. Read only when the machines differ; unknown means no.
 */
function kernelRunsNatively(input: ExecutableCheckInput, machine: number): boolean {
  if (input.facts.platform !== 'linux') return false;
  const cpuinfo = input.fs.readText('/proc/cpuinfo') ?? '';
  const cpu = /^vendor_id\s*:/m.test(cpuinfo) ? 'x64' : /^CPU implementer\s*:/m.test(cpuinfo) ? 'arm64' : undefined;
  return cpu !== undefined && cpu !== input.arch && HOST_MACHINES[cpu].includes(machine);
}

/**
 * Linux binfmt_misc (qemu-user, Wine, Java...) may run formats the kernel alone cannot: an enabled
 * entry whose magic (under its mask, at its offset) or extension matches lets the file through.
 */
function binfmtHandles(input: ExecutableCheckInput, file: string, head: Uint8Array): boolean {
  if (input.facts.platform !== 'linux') return false;
  const dir = '/proc/sys/fs/binfmt_misc';
  if (input.fs.readText(`${dir}/status`)?.trim() !== 'enabled') return false;
  for (const name of input.fs.list(dir) ?? []) {
    if (name === 'status' || name === 'register') continue;
    const entry = input.fs.readText(`${dir}/${name}`);
    if (!entry || !entry.startsWith('enabled')) continue;
    const field = (key: string) => new RegExp(`^${key} (.*)$`, 'm').exec(entry)?.[1]?.trim();
    const extension = field('extension');
    if (extension !== undefined) {
      if (file.endsWith(extension)) return true;
      continue;
    }
    const magic = field('magic');
    if (!magic) continue;
    const offset = Number(field('offset') ?? 0);
    const bytes = Buffer.from(magic, 'hex');
    const mask = field('mask') ? Buffer.from(field('mask')!, 'hex') : undefined;
    if (offset + bytes.length > head.length) continue;
    if (bytes.every((byte, index) => ((head[offset + index] & (mask?.[index] ?? 0xff)) === byte))) return true;
  }
  return false;
}

/**
 * The kernel's limits on what execve copies (Linux): one argument or NAME=value at most 128 KiB,
 * and all of them, with their pointers, within a quarter of the stack limit (E2BIG otherwise).
 */
function checkSize(input: ExecutableCheckInput): ShimError | undefined {
  if (input.facts.platform !== 'linux') return undefined;
  const fix = 'make the variable or argument smaller, or pass the data in a file';
  let total = Buffer.byteLength(input.executable) + 1;
  for (const [index, arg] of input.argv.entries()) {
    const bytes = Buffer.byteLength(arg) + 1;
    if (bytes > MAX_ARG_STRLEN) return notExecutable(`cannot execute ${input.executable}: argument ${index} is ${bytes - 1} bytes, over the kernel's limit of ${MAX_ARG_STRLEN - 1} for one argument (E2BIG)`, fix);
    total += bytes + 8;
  }
  for (const [name, value] of Object.entries(input.env)) {
    const bytes = Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
    if (bytes > MAX_ARG_STRLEN) return notExecutable(`cannot execute ${input.executable}: the variable ${name} is ${bytes - 2} bytes, over the kernel's limit of ${MAX_ARG_STRLEN - 1} for one variable (E2BIG)`, fix);
    total += bytes + 8;
  }
  if (total <= MIN_ARG_TOTAL) return undefined;
  // A `#!` interpreter adds its own path and argument; 4 KiB of margin covers them.
  const limit = argumentSpace(input.fs) - 4096;
  if (total <= limit) return undefined;
  return notExecutable(`cannot execute ${input.executable}: its arguments and environment take ${total} bytes, over the kernel's limit of ${limit} here (E2BIG)`,
    'make the environment or the arguments smaller (or raise the stack limit, ulimit -s, which sets that limit)');
}

function argumentSpace(fs: ExecutableView): number {
  const soft = /^Max stack size\s+(\S+)/m.exec(fs.readText('/proc/self/limits') ?? '')?.[1];
  const stack = soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
  return Math.max(MIN_ARG_TOTAL, Math.min(MAX_ARG_TOTAL, Math.floor(stack / 4)));
}

/** The real files behind ExecutableView: the planner's view of them, plus byte reads and listings. */
export const realExecutableView: ExecutableView = {
  ...realFileSystem,
  read(file, offset, length) {
    let fd: number | undefined;
    try {
      // Non-blocking, and regular files only: opening a FIFO to read would wait for a writer (the
      // kernel refuses to execute anything but a regular file: EACCES, left to the exec).
      fd = nodeFs.openSync(file, nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
      if (!nodeFs.fstatSync(fd).isFile()) return undefined;
      const buffer = Buffer.alloc(length);
      const count = nodeFs.readSync(fd, buffer, 0, length, offset);
      return buffer.subarray(0, count);
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) nodeFs.closeSync(fd);
    }
  },
  size(file) {
    try {
      return nodeFs.statSync(file).size;
    } catch {
      return undefined;
    }
  },
  list(dir) {
    try {
      return nodeFs.readdirSync(dir);
    } catch {
      return undefined;
    }
  },
};
