/**
 * The lifeline (POSIX): ends the child's whole tree if the supervising shim dies without saying so,
 * SIGKILL included (nothing inside a killed process can run). It is a `/bin/sh` (about 1.5 MB,
 * no JavaScript runtime) in its own session, outside the terminal's reach, holding the read end of
 * a pipe from the shim. It starts BEFORE the child, and the shim writes the child's PID to it as
 * soon as spawn returns, so the child never runs unwatched. When the pipe closes without the word
 * "done", the shim is gone: the lifeline freezes the child's tree (/proc, or `ps` without it), sends
 * SIGTERM (and SIGCONT) to every process still the same one (PID and start time), then SIGKILL to
 * what is left after the grace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { processTools, type Entry } from './tree';

/** $0 of the lifeline's shell: how it shows in `ps`. */
export const LIFELINE_NAME = 'ndc-shim-lifeline';

// $1: the grace before SIGKILL, in seconds; $2: "ps" to use `ps` even where /proc exists (tests);
// $3: the grace rounded up to whole seconds, for a `sleep` without fractions; $4: `ps`, by absolute path. stdin: the
// child's PID, then "pid/start" words of descendants the shim still waits for after the child ended
// (theirs would be out of the child's tree by then), then "done" or end of file. It reads to the end
// before leaving, so that the shim never writes into a closed pipe (SIGPIPE).
// End of file before any PID: the shim died inside spawn (between fork and exec, before it could
// write). Its child was then reparented, with this lifeline, to the same reaper: on Linux `orphan`
// takes the reaper's children in the shim's process group that started within 100 ms after the
// lifeline (clock ticks), which is the child, or a sibling's child orphaned the same way.
// `ident P` sets $id to P's start time (empty when gone or a zombie); `tree` adds to $found, as
// "pid/start" words, the child and the descendants of everything in $found that is still the same
// process (a recycled PID's children are someone else's), from the kernel's per-thread children
// lists, or a whole-system snapshot where they are missing; `freeze` stops the
// tree with SIGSTOP until a snapshot finds no new process, so that nothing forks out of reach
// between the snapshot and the signal (a dying parent's new child would be reparented away).
// `readstat F` sets $s to the fields of /proc/PID/stat after the command name, which may hold
// anything, a newline included: they follow the last ") " of the last line. Nothing is looked up
// in PATH or the working directory: `sleep` and `ps` by absolute path, the rest builtins.
// The grace is wall-clock time: a background `sleep` of the grace, whatever each poll costs.
const SCRIPT = `
grace=$1; whole=$3; ps=$4
proc=; [ "$2" != ps ] && [ -r /proc/self/stat ] && proc=1
readstat() {
  s=
  [ -r "$1" ] || return 1
  while IFS= read -r l; do s=$l; done 2>/dev/null <"$1"
  case $s in *") "*) s=\${s##*) }; return 0;; esac
  return 1
}
nap() { /bin/sleep 0.01 2>/dev/null || /bin/sleep 1; }
ident() {
  id=
  if [ -n "$proc" ]; then
    readstat /proc/$1/stat || return 0
    set -- $s
    [ "$1" = Z ] || id=\${20}
  else
    set -- $("$ps" -o stat=,lstart= -p "$1" 2>/dev/null)
    case $1 in ''|Z*) ;; *) shift; IFS=_; id="$*"; unset IFS;; esac
  fi
}
snapshot() {
  table=
  if [ -n "$proc" ]; then
    for f in /proc/[0-9]*/stat; do
      readstat "$f" || continue
      p=\${f#/proc/}; p=\${p%/stat}; set -- $s
      [ "$1" = Z ] || table="$table $p/$2/\${20}"
    done
  else
    table=$("$ps" -A -o pid=,ppid=,stat=,lstart= 2>/dev/null | while read -r p pp st rest; do
      case $st in Z*) ;; *) set -- $rest; IFS=_; printf ' %s/%s/%s' "$p" "$pp" "$*"; unset IFS;; esac
    done)
  fi
}
kids() {
  kids=
  [ -d /proc/$1/task ] || return 0
  for t in /proc/$1/task/*/children; do
    [ -e "$t" ] || return 1
    k=; read -r k 2>/dev/null <"$t"; kids="$kids $k"
  done
}
tree() {
  [ -n "$root" ] && case "$found " in *" $pid/$root "*) ;; *) found=" $pid/$root$found";; esac
  live=
  for e in $found; do ident "\${e%%/*}"; [ "$id" = "\${e#*/}" ] && live="$live $e"; done
  if [ -n "$proc" ] && kids "$pid"; then
    frontier=; for e in $live; do frontier="$frontier \${e%%/*}"; done
    while [ -n "$frontier" ]; do
      next=
      for p in $frontier; do
        kids "$p" || kids=
        for k in $kids; do
          case "$found " in *" $k/"*) continue;; esac
          ident "$k"; [ -n "$id" ] || continue
          found="$found $k/$id"; next="$next $k"
        done
      done
      frontier=$next
    done
    return 0
  fi
  snapshot
  frontier=" "
  for e in $live; do frontier="$frontier\${e%%/*} "; done
  while [ "$frontier" != " " ]; do
    next=" "
    for e in $table; do
      p=\${e%%/*}; r=\${e#*/}; pp=\${r%%/*}
      case $frontier in *" $pp "*) case "$found " in *" $p/"*) ;; *) found="$found $p/\${r#*/}"; next="$next$p ";; esac;; esac
    done
    frontier=$next
  done
}
signal_tree() {
  for e in $found; do
    ident "\${e%%/*}"; [ "$id" = "\${e#*/}" ] && kill -s "$1" "\${e%%/*}" 2>/dev/null
  done
}
freeze() {
  while :; do
    known=$found; tree; new=
    for e in $found; do case "$known " in *" $e "*) ;; *) new="$new $e";; esac; done
    [ -z "$new" ] && { found=$known; return 0; }
    found=$new; signal_tree STOP; found="$known$new"
  done
}
alive() {
  for e in $found; do ident "\${e%%/*}"; [ "$id" = "\${e#*/}" ] && return 0; done
  return 1
}
stop() {
  /bin/sleep 0.01 2>/dev/null || grace=$whole
  /bin/sleep "$grace" </dev/null 2>/dev/null & timer=$!
  ident "$timer"; timed=$id
  freeze
  signal_tree TERM
  signal_tree CONT
  while alive; do
    ident "$timer"
    if [ "$id" != "$timed" ] || [ -z "$timed" ]; then
      freeze
      signal_tree KILL
      return 0
    fi
    nap
  done
  kill "$timer" 2>/dev/null
}
orphan() {
  [ -n "$group" ] || return 0
  n=0
  while :; do
    readstat /proc/$$/stat; set -- $s
    [ "$2" != "$shim" ] && break
    n=$((n + 1)); [ "$n" -gt 200 ] && return 0
    nap
  done
  reaper=$2; found=
  for f in /proc/[0-9]*/stat; do
    readstat "$f" || continue
    p=\${f#/proc/}; p=\${p%/stat}; set -- $s
    if [ "$1" != Z ] && [ "$2" = "$reaper" ] && [ "$3" = "$group" ] && [ "$p" != $$ ] && [ "\${20}" -ge "$born" ] && [ "\${20}" -le $((born + 10)) ]; then
      found="$found $p/\${20}"; pid=$p; root=\${20}
    fi
  done
  [ -n "$pid" ] && stop
}
group=; pid=
if [ -n "$proc" ]; then
  readstat /proc/$$/stat; set -- $s; shim=$2; born=\${20}
  readstat /proc/$shim/stat && { set -- $s; group=$3; }
fi
IFS= read -r pid || { pid=; orphan; exit 0; }
case $pid in ''|*[!0-9]*) exit 0;; esac
ident "$pid"; root=$id
found=
while IFS= read -r word; do
  case $word in done) exit 0;; [0-9]*/?*) found="$found $word";; esac
done
[ -z "$root" ] && [ -z "$found" ] && exit 0
stop
`;

export interface Lifeline {
  /** Tells the lifeline which child to watch: call as soon as spawn returns. */
  watch(pid: number): void;
  /** The child ended, these descendants it was asked to stop still run: the lifeline ends them too if the shim dies. */
  alsoWatch(entries: Entry[]): void;
  /** The child ended normally: the lifeline exits without acting. */
  release(): void;
}

/**
 * Starts the lifeline, before the child; `graceSeconds` is how long SIGTERM has before SIGKILL.
 * `processTable` 'ps' makes it use `ps` even where /proc exists, so that the branch macOS takes runs on Linux in tests;
 * `ps` is its absolute path (tests give one that logs its calls).
 */
export function startLifeline(shell: string, graceSeconds: number, processTable: 'auto' | 'ps' = 'auto', ps = processTools.ps): Lifeline {
  const grace = Math.max(0, graceSeconds);
  const helper: ChildProcess = spawn(shell, ['-c', SCRIPT, LIFELINE_NAME, String(grace), processTable, String(Math.ceil(grace)), ps], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    // Nothing of the caller's: it runs `sleep` and `ps` by absolute path, from the root directory
    // (which also keeps it from holding the user's directory busy).
    cwd: '/',
    env: { PATH: '/usr/bin:/bin' },
  });
  helper.on('error', () => { /* spawn failure: the child is still supervised while the shim lives */ });
  helper.stdin?.on('error', () => { /* the helper is gone: nothing to tell it */ });
  helper.unref();
  // Writing to a lifeline that someone killed would raise SIGPIPE in the shim, which forwards it.
  const gone = () => helper.exitCode !== null || helper.signalCode !== null;
  (helper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    // An empty pipe takes a short write at once (libuv writes before queueing), so the PID is
    // with the lifeline before the shim runs anything else.
    watch(pid) {
      if (!gone()) helper.stdin?.write(`${pid}\n`);
    },
    alsoWatch(entries) {
      // The script's start times join ps's lstart words with "_" (one shell word each).
      if (!gone() && entries.length) helper.stdin?.write(entries.map(({ pid, identity }) => `${pid}/${identity.split(' ').join('_')}\n`).join(''));
    },
    release() {
      if (!gone()) helper.stdin?.end('done\n');
    },
  };
}
