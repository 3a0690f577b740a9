/**
 * Output files (`--json`, `--html`): checked before a run, written after it without destroying
 * anything that was there.
 *
 * - `-` is standard output.
 * - A symbolic link is followed: the file it points to is written, the link stays.
 * - A regular file (or a new one) is written atomically: a temporary file in the same directory,
 *   renamed over it, with the old file's permissions; a reader never sees half a file.
 * - A FIFO, a character device or anything else that is not a regular file is opened and written
 *   as it is (`--json /dev/stdout`, a named pipe): replacing the node itself would destroy it.
 *
 * Before the run: every output must be writable (its directory exists, the file or the directory
 * accepts writes), no output may be the scenario being read, and no two outputs may be the same file.
 */
import { accessSync, chmodSync, constants, lstatSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** An output the user cannot have: one line, exit 2 (the caller wraps it as its usage error). */
export class OutputError extends Error {}

export interface OutputRequest {
  /** The flag that names it, for messages (`--json`). */
  readonly flag: string;
  readonly path: string;
}

const errText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EISDIR: 'is a directory',
    ENOTDIR: 'a component of the path is not a directory',
    EDQUOT: 'disk quota exceeded',
    ELOOP: 'too many symbolic links',
  };
  return err.code ? `${err.code}${why[err.code] ? ` (${why[err.code]})` : ''}` : String((e as Error).message ?? e);
};

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * The file a path writes to: the path itself, or, through symbolic links (dangling ones included),
 * the path the last link names. Absolute.
 */
export function targetOf(path: string): string {
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const st = lstatOrUndefined(p);
    if (!st?.isSymbolicLink()) {
      // The directory may itself be reached through links: name the real one when it exists.
      try {
        return resolve(realpathSync(dirname(p)), p.slice(dirname(p).length + 1));
      } catch {
        return p;
      }
    }
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw new OutputError(`${path}: too many symbolic links`);
}

/** Whether two paths name the same file (the same inode when both exist, else the same target path). */
function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return targetOf(a) === targetOf(b);
  }
}

/**
 * Check the outputs before a run: each can be written, none is an input (`inputs`: paths being
 * read), no two are the same file, and at most one is standard output.
 */
/** An input file outputs must not overwrite: a path (the scenario file being checked), or a path and what it is. */
export type InputFile = string | { readonly path: string; readonly what: string };

export function checkOutputs(outputs: readonly OutputRequest[], inputs: readonly InputFile[]): void {
  const stdout = outputs.filter((o) => o.path === '-');
  if (stdout.length > 1) throw new OutputError(`${stdout.map((o) => `${o.flag} -`).join(' and ')}: only one output can go to standard output`);
  const files = outputs.filter((o) => o.path !== '-');
  for (const o of files) {
    if (o.path === '') throw new OutputError(`${o.flag}: expected a file name (or - for standard output)`);
    for (const i of inputs) {
      if (typeof i === 'string') {
        if (sameFile(o.path, i)) throw new OutputError(`${o.flag} ${o.path} is the scenario file being checked; writing it would destroy the scenario: name another file`);
      } else if (sameFile(o.path, i.path)) throw new OutputError(`${o.flag} ${o.path} is ${i.what}; writing it would destroy it: name another file`);
    }
    checkWritable(o);
  }
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const a = files[i]!;
      const b = files[j]!;
      if (sameFile(a.path, b.path)) throw new OutputError(`${a.flag} ${a.path} and ${b.flag} ${b.path} are the same file: each would overwrite the other; name two files`);
    }
  }
}

function checkWritable(o: OutputRequest): void {
  const target = targetOf(o.path);
  const dir = dirname(target);
  let dst: Stats;
  try {
    dst = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new OutputError(`${o.flag} ${o.path}: directory ${dir} does not exist`);
    throw new OutputError(`${o.flag} ${o.path}: directory ${dir} cannot be used: ${errText(e)}`);
  }
  if (!dst.isDirectory()) throw new OutputError(`${o.flag} ${o.path}: ${dir} is not a directory`);
  const st = lstatOrUndefined(target);
  if (st?.isDirectory()) throw new OutputError(`${o.flag} ${o.path}: is a directory; name a file in it`);
  try {
    if (st && !st.isFile()) {
      // A FIFO or a device is written in place: it must accept writes.
      accessSync(target, constants.W_OK);
    } else {
      // A regular file is replaced by a new one renamed into place: the directory must accept it
      // (and the file itself be writable, as the user would expect of a file they may overwrite).
      accessSync(dir, constants.W_OK | constants.X_OK);
      if (st) accessSync(target, constants.W_OK);
    }
  } catch (e) {
    throw new OutputError(`${o.flag} ${o.path}: cannot be written: ${errText(e)}`);
  }
}

/**
 * Write `text` to the output `path` as the module comment says (not `-`: the caller writes standard
 * output). Throws OutputError naming the path and the reason when it cannot.
 */
export function writeOutput(path: string, text: string): void {
  const target = targetOf(path);
  const st = lstatOrUndefined(target);
  if (st && !st.isFile() && !st.isDirectory()) {
    try {
      writeFileSync(target, text);
    } catch (e) {
      throw new OutputError(`cannot write ${path}: ${errText(e)}`);
    }
    return;
  }
  const tmp = `${target}.tmp-${process.pid}`;
  let created = false;
  try {
    // 'wx': never through a file or link someone else put at the temporary name.
    writeFileSync(tmp, '', { flag: 'wx' });
    created = true;
    writeFileSync(tmp, text);
    if (st) chmodSync(tmp, st.mode & 0o7777);
    renameSync(tmp, target);
  } catch (e) {
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        /* nothing to clean */
      }
    }
    throw new OutputError(`cannot write ${path}: ${errText(e)}`);
  }
}
