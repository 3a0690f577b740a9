/**
 * The unified-diff reader: format-patch mails, mails with diffs among prose, plain diff -u, and a
 * one-line PatchError for every malformed input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { PatchError } from '../../../src/model/kernel/errors.ts';
import { parsePatch } from '../../../src/model/patch/diff.ts';

const read = (f: string): string => readFileSync(new URL(`../../../examples/patches/${f}`, import.meta.url), 'utf8');

describe('git format-patch mail', () => {
  const p = parsePatch(read('amdgpu-clarify-read-lock.patch'), 'clarify.patch');
  test('headers, title and commit message', () => {
    expect(p.from).toBe('Michal Hocko <mhocko@suse.com>');
    expect(p.subject).toBe('[PATCH] drm/amd: clarify amdgpu_mn_read_lock !blocking mode');
    expect(p.title).toBe('drm/amd: clarify amdgpu_mn_read_lock !blocking mode');
    expect(p.date).toBe('Fri, 24 Aug 2018 15:45:52 +0200');
    expect(p.message).toMatch(/^Tetsuo has noticed that 93065ac753e4/);
    expect(p.message).toMatch(/Signed-off-by: Michal Hocko <mhocko@suse.com>$/);
    expect(p.hash).toMatch(/^[0-9a-f]{16}$/);
  });
  test('one file, one hunk with its function context and line numbers', () => {
    expect(p.files.map((f) => f.path)).toEqual(['drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c']);
    const h = p.hunks[0]!;
    expect([h.oldStart, h.oldCount, h.newStart, h.newCount]).toEqual([180, 11, 180, 15]);
    expect(h.context).toBe('void amdgpu_mn_unlock(struct amdgpu_mn *mn)');
    expect(h.lines.filter((l) => l.tag === '-')).toHaveLength(5);
    expect(h.lines.filter((l) => l.tag === '+')).toHaveLength(9);
    expect(h.lines.find((l) => l.tag === '+' && l.text.includes('mutex_lock'))).toMatchObject({ newLine: 191 });
  });
  test('the archive copy of 93065ac753e4: the Message-Id-less mail, 19 files, hunk headers with two spaces', () => {
    const q = parsePatch(read('93065ac753e4-blockable-mode.patch'));
    expect(q.from).toBe('Michal Hocko <mhocko@suse.com>');
    expect(q.files).toHaveLength(19);
    expect(q.hunks).toHaveLength(46);
    expect(q.hunks[0]!.context).toBe('static void vcpu_load_eoi_exitmap(struct kvm_vcpu *vcpu)');
  });
  test('a reply with two diffs among prose (the fix, then the cleanup on top of it): both, in order', () => {
    const q = parsePatch(read('oom-reap-task-mm-return-value-and-cleanup.patch'));
    expect(q.subject).toBeUndefined();
    expect(q.files.map((f) => f.path)).toEqual(['mm/oom_kill.c', 'mm/oom_kill.c']);
    expect(q.hunks.map((h) => h.oldStart)).toEqual([565, 541, 555]);
  });
});

describe('plain diff -u', () => {
  const text = ['--- old/mm/oom_kill.c\t2018-07-16', '+++ new/mm/oom_kill.c\t2018-07-17', '@@ -1,3 +1,3 @@', ' a;', '-b;', '+c;', ' d;', ''].join('\n');
  test('paths without their first component; a hunk with no function context', () => {
    const p = parsePatch(text);
    expect(p.files[0]).toMatchObject({ oldPath: 'mm/oom_kill.c', newPath: 'mm/oom_kill.c', path: 'mm/oom_kill.c' });
    expect(p.hunks[0]!.context).toBe('');
    expect(p.message).toBe('');
  });
  test('a count-less hunk header means one line; an empty line is an empty context line', () => {
    const p = parsePatch(['--- a/x.c', '+++ b/x.c', '@@ -5 +5,2 @@ f(void)', '', '+g();'].join('\n'));
    expect(p.hunks[0]!.lines.map((l) => l.tag + l.text)).toEqual([' ', '+g();']);
  });
  test('a new file: --- /dev/null', () => {
    const p = parsePatch(['--- /dev/null', '+++ b/new.c', '@@ -0,0 +1 @@', '+int x;'].join('\n'));
    expect(p.files[0]).toMatchObject({ oldPath: null, newPath: 'new.c', path: 'new.c' });
  });
});

describe('malformed diffs: one line each, PatchError', () => {
  const bad = (text: string): string => {
    try {
      parsePatch(text, 'bad.patch');
    } catch (e) {
      expect(e).toBeInstanceOf(PatchError);
      expect((e as Error).message).not.toContain('\n');
      return (e as Error).message;
    }
    throw new Error('expected a PatchError');
  };
  test('no diff at all', () => {
    expect(bad('Subject: hello\n\njust prose\n')).toMatch(/^bad\.patch: no diff in it/);
  });
  test('a bad hunk header', () => {
    expect(bad('--- a/x.c\n+++ b/x.c\n@@ -1,2 +1 @\n')).toBe('bad.patch:3: bad hunk header "@@ -1,2 +1 @" (expected "@@ -a,b +c,d @@ [function]")');
  });
  test('a hunk cut short', () => {
    expect(bad('--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n a;\n-b;\n')).toMatch(/^bad\.patch:3: hunk "@@ -1,3 \+1,3 @@" ends after 2 of 3 old and 1 of 3 new lines/);
  });
  test('a line that is no diff line inside a hunk (re-wrapped mail)', () => {
    expect(bad('--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n a;\nwrapped text\n')).toMatch(/^bad\.patch:5: "wrapped text" in hunk .* still expects 1 old and 1 new lines/);
  });
  test('--- without +++', () => {
    expect(bad('diff --git a/x.c b/x.c\n--- a/x.c\n@@ -1 +1 @@\n')).toBe('bad.patch:2: "--- a/x.c" is not followed by a "+++ " line');
  });
  test('a hunk before any file header', () => {
    expect(bad('diff --git a/x.c b/x.c\n@@ -1 +1 @@\n-a;\n+b;\n')).toMatch(/^bad\.patch:2: hunk of b\/x\.c without the "--- a\/FILE"/);
  });
  test('file diffs without hunks', () => {
    expect(bad('diff --git a/x.bin b/x.bin\n--- a/x.bin\n+++ b/x.bin\n')).toMatch(/no hunks/);
  });
});
