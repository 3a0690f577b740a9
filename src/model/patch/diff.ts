/**
 * The unified-diff reader: a `git format-patch` mail (headers From, Subject, Date, Message-Id; the
 * commit message; `---`, the diffstat; then `diff --git` sections), a mail or archive page whose
 * body carries one or more diffs among prose, or a plain `diff -u`.
 *
 * What it keeps: per file, its path (the `b/` side without the `a/`/`b/` prefix), and per hunk the
 * `@@ -a,b +c,d @@ function-context` header and its lines, each tagged context (' '), removed ('-')
 * or added ('+'), with its line in the patch file and in the old and new file. A file changed by
 * several diffs of one mail (a fix, then a cleanup on top of it) keeps them in order: they are
 * applied one after the other.
 *
 * A malformed diff (a hunk header that does not parse, a hunk cut short, a `---` without its `+++`,
 * a hunk before any file header, no diff at all) is a {@link PatchError}: one line naming the file's
 * line and what is wrong.
 */
import { createHash } from 'node:crypto';
import { PatchError } from '../kernel/errors.ts';

export type LineTag = ' ' | '-' | '+';

export interface PatchLine {
  readonly tag: LineTag;
  /** The line without its tag. */
  readonly text: string;
  /** 1-based line number in the patch file. */
  readonly at: number;
  /** Line number in the old file (context and removed lines). */
  readonly oldLine?: number;
  /** Line number in the new file (context and added lines). */
  readonly newLine?: number;
}

export interface Hunk {
  /** 1-based, counted over the whole patch. */
  readonly index: number;
  /** The file's path (new side; old side for a deleted file). */
  readonly file: string;
  readonly oldStart: number;
  readonly oldCount: number;
  readonly newStart: number;
  readonly newCount: number;
  /** The text after the second `@@` (git's function context), trimmed; '' if none. */
  readonly context: string;
  /** 1-based line of the `@@` header in the patch file. */
  readonly at: number;
  readonly lines: readonly PatchLine[];
}

export interface FileDiff {
  /** null for a new file (`--- /dev/null`). */
  readonly oldPath: string | null;
  /** null for a deleted file (`+++ /dev/null`). */
  readonly newPath: string | null;
  readonly path: string;
  readonly hunks: readonly Hunk[];
}

export interface Patch {
  /** What the patch was read from (a file name), for messages. */
  readonly name: string;
  readonly from?: string;
  /** The Subject header as mailed, continuation lines joined. */
  readonly subject?: string;
  /** The subject without its `[PATCH ...]` tag. */
  readonly title?: string;
  readonly date?: string;
  readonly messageId?: string;
  /** The commit message (or the prose before the first diff). */
  readonly message: string;
  readonly files: readonly FileDiff[];
  /** sha256 of the patch text (the first 16 hex digits), to record which patch a run applied. */
  readonly hash: string;
  /** Every hunk of every file, in order. */
  readonly hunks: readonly Hunk[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;

/** Strip git's `a/` / `b/` prefix (or, for two paths `x/p` and `y/p` of a plain diff, the first component). */
function stripPaths(oldRaw: string, newRaw: string): { oldPath: string | null; newPath: string | null } {
  const clean = (p: string): string | null => {
    const q = p.split('\t')[0]!.trim();
    return q === '/dev/null' ? null : q;
  };
  let o = clean(oldRaw);
  let n = clean(newRaw);
  const gitPrefix = (p: string | null, pre: string): boolean => p === null || p.startsWith(pre);
  if (gitPrefix(o, 'a/') && gitPrefix(n, 'b/')) {
    o = o === null ? null : o.slice(2);
    n = n === null ? null : n.slice(2);
  } else if (o !== null && n !== null) {
    const [o1, ...orest] = o.split('/');
    const [n1, ...nrest] = n.split('/');
    if (o1 && n1 && orest.length && orest.join('/') === nrest.join('/')) {
      o = orest.join('/');
      n = nrest.join('/');
    }
  }
  return { oldPath: o, newPath: n };
}

/** Read a patch. Throws {@link PatchError} for a malformed one. */
export function parsePatch(text: string, name = 'patch'): Patch {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const where = (i: number): string => `${name}:${i + 1}`;

  // Mail headers: an optional `From <sha> <date>` line, then `Key: value` lines up to a blank line.
  const headers: Record<string, string> = {};
  let i = 0;
  if (/^From [0-9a-f]{7,40} /.test(lines[0] ?? '')) i = 1;
  const headerStart = i;
  let last: string | undefined;
  while (i < lines.length) {
    const l = lines[i]!;
    const m = /^([A-Za-z][A-Za-z0-9-]*): ?(.*)$/.exec(l);
    if (m) {
      last = m[1]!.toLowerCase();
      headers[last] = m[2]!;
    } else if (last && /^[ \t]/.test(l) && l.trim() !== '') {
      headers[last] += ' ' + l.trim();
    } else break;
    i++;
  }
  const isMail = i > headerStart && ('subject' in headers || 'from' in headers) && (i >= lines.length || lines[i] === '');
  if (!isMail) {
    i = 0;
    for (const k of Object.keys(headers)) delete headers[k];
  }

  // The message: everything up to the first diff (a `---` line alone ends a format-patch message).
  const isDiffStart = (k: number): boolean => {
    const l = lines[k] ?? '';
    if (l.startsWith('diff --git ') || l.startsWith('Index: ')) return true;
    return l.startsWith('--- ') && (lines[k + 1] ?? '').startsWith('+++ ');
  };
  const message: string[] = [];
  let inMessage = true;
  while (i < lines.length && !isDiffStart(i)) {
    if (lines[i] === '---') inMessage = false;
    if (inMessage) message.push(lines[i]!);
    i++;
  }
  if (i >= lines.length) {
    throw new PatchError(
      `${name}: no diff in it (expected a git format-patch mail or diff -u output: "--- a/FILE", "+++ b/FILE", then "@@ -a,b +c,d @@" hunks)`,
    );
  }

  const files: { oldPath: string | null; newPath: string | null; path: string; hunks: Hunk[] }[] = [];
  const hunks: Hunk[] = [];
  let cur: (typeof files)[number] | undefined;
  let gitOld: string | undefined;
  let gitNew: string | undefined;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.startsWith('diff --git ')) {
      const m = /^diff --git (\S+) (\S+)$/.exec(l);
      gitOld = m?.[1];
      gitNew = m?.[2];
      cur = undefined;
      i++;
      continue;
    }
    if (l.startsWith('--- ')) {
      const next = lines[i + 1] ?? '';
      if (!next.startsWith('+++ ')) throw new PatchError(`${where(i)}: "${l}" is not followed by a "+++ " line`);
      const p = stripPaths(l.slice(4), next.slice(4));
      const path = p.newPath ?? p.oldPath;
      if (path === null) throw new PatchError(`${where(i)}: both sides of the file diff are /dev/null`);
      cur = { ...p, path, hunks: [] };
      files.push(cur);
      i += 2;
      continue;
    }
    if (l.startsWith('@@')) {
      const m = HUNK_HEADER.exec(l);
      if (!m) throw new PatchError(`${where(i)}: bad hunk header "${l}" (expected "@@ -a,b +c,d @@ [function]")`);
      if (!cur) {
        if (gitOld && gitNew) {
          // A git diff whose --- / +++ lines are missing is malformed.
          throw new PatchError(`${where(i)}: hunk of ${gitNew} without the "--- a/FILE" and "+++ b/FILE" lines`);
        }
        throw new PatchError(`${where(i)}: hunk before any file header ("--- a/FILE", "+++ b/FILE")`);
      }
      const oldStart = Number(m[1]);
      const oldCount = m[2] === undefined ? 1 : Number(m[2]);
      const newStart = Number(m[3]);
      const newCount = m[4] === undefined ? 1 : Number(m[4]);
      const body: PatchLine[] = [];
      let o = oldCount;
      let n = newCount;
      let ol = oldStart;
      let nl = newStart;
      const at = i;
      i++;
      while (o > 0 || n > 0) {
        if (i >= lines.length) {
          throw new PatchError(`${where(at)}: hunk "${l}" ends after ${oldCount - o} of ${oldCount} old and ${newCount - n} of ${newCount} new lines: the diff is cut short or was re-wrapped`);
        }
        const t = lines[i]!;
        if (t.startsWith('\\')) {
          i++;
          continue;
        }
        // A mailer may strip a context line's single space: an empty line is an empty context line.
        const tag = t === '' ? ' ' : t[0];
        if (tag === ' ' && o > 0 && n > 0) {
          body.push({ tag: ' ', text: t.slice(1), at: i + 1, oldLine: ol++, newLine: nl++ });
          o--;
          n--;
        } else if (tag === '-' && o > 0) {
          body.push({ tag: '-', text: t.slice(1), at: i + 1, oldLine: ol++ });
          o--;
        } else if (tag === '+' && n > 0) {
          body.push({ tag: '+', text: t.slice(1), at: i + 1, newLine: nl++ });
          n--;
        } else {
          throw new PatchError(
            `${where(i)}: "${t.length > 60 ? t.slice(0, 60) + '...' : t}" in hunk "${l}" (line ${at + 1}), which still expects ${o} old and ${n} new lines: the diff is cut short, re-wrapped or its counts are wrong`,
          );
        }
        i++;
      }
      if (i < lines.length && lines[i]!.startsWith('\\')) i++;
      const h: Hunk = { index: hunks.length + 1, file: cur.path, oldStart, oldCount, newStart, newCount, context: m[5]!.trim(), at: at + 1, lines: body };
      cur.hunks.push(h);
      hunks.push(h);
      continue;
    }
    // Anything else between diffs (prose, `index` lines, a signature, `-- `) is skipped.
    i++;
  }
  if (!hunks.length) throw new PatchError(`${name}: its file diffs have no hunks (binary or mode-only changes are not patches of the model)`);

  const subject = headers['subject'];
  const title = subject?.replace(/^(\[[^\]]*\]\s*)+/, '').trim();
  while (message.length && message[message.length - 1]!.trim() === '') message.pop();
  while (message.length && message[0]!.trim() === '') message.shift();
  const out: Patch = {
    name,
    ...(headers['from'] ? { from: headers['from'] } : {}),
    ...(subject ? { subject } : {}),
    ...(title ? { title } : {}),
    ...(headers['date'] ? { date: headers['date'] } : {}),
    ...(headers['message-id'] ? { messageId: headers['message-id'] } : {}),
    message: message.join('\n'),
    files,
    hash: createHash('sha256').update(text).digest('hex').slice(0, 16),
    hunks,
  };
  return out;
}
