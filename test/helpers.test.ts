import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { machineChecks } from '../lib/campus/doctor.js';
import { runCli, waitFor } from './helpers.js';

const canCampus = machineChecks({ campusOnly: true }).every((check) => check.ok);

describe('the test helpers', () => {
  it.runIf(canCampus)('runCli, timed out on a campus, leaves no process of it', async () => {
    const marker = `${300 + Math.floor(Math.random() * 1000)}.${process.pid}`; // a command line no other test runs
    const run = await runCli(['campus', '--', 'sleep', marker], {}, 3000);
    expect(run.code).toBeNull(); // killed at its time limit
    const left = () => spawnSync('pgrep', ['-f', `sleep ${marker}`], { encoding: 'utf8' }).stdout.trim();
    await waitFor('the campus\'s program to end', () => left() === '', 2000);
  });
});
