/**
 * What the matrix's jobs cost beside their exploration (src/report/matrix.ts): the job list reads
 * the scenario files only, and a job links its file's program once and its variant's once. The
 * verdicts of every row are test/scenarios/matrix.test.ts's.
 */
import { expect, test } from 'vitest';
import { programsLinked } from '../../src/model/kernel/scenario.ts';
import { matrixJobs, matrixRow } from '../../src/report/matrix.ts';

test('the job list names every variant of each file, in the order written, and links no program', () => {
  const before = programsLinked();
  expect(matrixJobs(['gntdev-reaper', 'test-hmm-reaper'])).toEqual([
    { scenario: 'gntdev-reaper', variant: 'v4.18' },
    { scenario: 'gntdev-reaper', variant: '93065ac753e4' },
    { scenario: 'gntdev-reaper', variant: 'v4.19' },
    { scenario: 'gntdev-reaper', variant: 'fixup' },
    { scenario: 'test-hmm-reaper' },
  ]);
  // Before: every variant of every file was built (checked against the model) for the list.
  expect(matrixJobs().length).toBeGreaterThan(50);
  expect(programsLinked()).toBe(before);
});

test("the jobs of one file link its program once and each variant's once", () => {
  // A job of another file first, so that none of gntdev-reaper's is kept from an earlier test.
  matrixRow({ scenario: 'test-hmm-reaper' });
  const jobs = matrixJobs(['gntdev-reaper']);
  const before = programsLinked();
  const rows = jobs.map((j) => matrixRow(j));
  expect(rows.map((r) => r.variant)).toEqual(['v4.18', '93065ac753e4', 'v4.19', 'fixup']);
  expect(rows.every((r) => r.states > 0)).toBe(true);
  // Before: each job loaded the file with every variant built (1 + 4), then built its own once more.
  expect(programsLinked() - before).toBe(1 + jobs.length);
});

test('a job without variants links its program once', () => {
  matrixRow({ scenario: 'gntdev-reaper', variant: 'v4.19' });
  const before = programsLinked();
  const row = matrixRow({ scenario: 'test-hmm-reaper' });
  expect(row.variant).toBeUndefined();
  expect(programsLinked() - before).toBe(1);
});
