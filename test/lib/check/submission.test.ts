import { describe, expect, it } from 'vitest';
import { closestName, programCommand, readLayout } from '../../../lib/check/submission.js';

const A = '123456';
const B = '654321';
const complete = [
  `Part2_${A}_${B}.py`,
  `Part3_${A}_${B}.py`,
  `Part4_Receiver_${A}_${B}.py`,
  `Part4_Sender_${A}_${B}.py`,
  `Part5_${A}_${B}.py`,
  'report.pdf',
];
const noContent = () => '';

describe('readLayout', () => {
  it('finds every program of a well-named folder, with part 6 optional', () => {
    const layout = readLayout(`Lab3_${A}_${B}`, complete, noContent);
    expect(layout.problems).toEqual([]);
    expect(layout.camipro).toEqual([A, B]);
    expect(layout.programs.part2).toBe(`Part2_${A}_${B}.py`);
    expect(layout.programs.part6).toBeUndefined();
    expect(layout.report).toBe('report.pdf');
  });

  it('accepts the certificate under both names the handout uses', () => {
    for (const cert of [`${A}.cert.pem`, `${A}_cert.pem`]) {
      const layout = readLayout(`Lab3_${A}_${B}`, [...complete, `Part6_PMU_${A}_${B}.py`, `${A}_key.pem`, cert], noContent);
      expect(layout.problems).toEqual([]);
      expect(layout.cert).toBe(cert);
      expect(layout.key).toBe(`${A}_key.pem`);
    }
  });

  it('names each misnamed or missing file, with the closest existing name, and still finds a misnamed program', () => {
    const files = [`part2_${A}_${B}.py`, `Part3_${A}.py`, `Part4_Receiver_${A}_${B}.py`, `Part4_Sender_${A}_${B}.py`, `Part_5_${A}_${B}.py`, `Part6_PMU_${A}_${B}.py`, 'server.pem', 'mycert.crt'];
    const contents: Record<string, string> = { 'server.pem': '-----BEGIN RSA PRIVATE KEY-----\n', 'mycert.crt': '-----BEGIN CERTIFICATE-----\n' };
    const layout = readLayout(`lab3_${A}_${B}`, files, (name) => contents[name] ?? '');
    expect(layout.camipro).toEqual([A, B]);
    expect(layout.programs.part2).toBe(`part2_${A}_${B}.py`);
    expect(layout.programs.part3).toBe(`Part3_${A}.py`);
    expect(layout.problems).toEqual([
      `the folder is named lab3_${A}_${B}; the handout asks for Lab3_CAMIPRO1_CAMIPRO2 with the two 6-digit CAMIPRO numbers (here Lab3_${A}_${B})`,
      `part2_${A}_${B}.py should be named Part2_${A}_${B}.py (it is checked as part2 anyway)`,
      `Part3_${A}.py should be named Part3_${A}_${B}.py (it is checked as part3 anyway)`,
      `Part5_${A}_${B} is missing (closest existing name: Part_5_${A}_${B}.py)`,
      `server.pem holds a private key and should be named ${A}_key.pem`,
      `mycert.crt holds a certificate and should be named ${A}.cert.pem (or ${A}_cert.pem)`,
      'the report (the handout\'s PDF form, filled in) is missing: no .pdf file',
    ]);
    expect(layout.key).toBe('server.pem');
    expect(layout.cert).toBe('mycert.crt');
  });

  it('asks for the key and certificate only when part 6 is handed in', () => {
    const layout = readLayout(`Lab3_${A}_${B}`, [...complete, `Part6_PMU_${A}_${B}.py`], noContent);
    expect(layout.problems).toEqual([
      `${A}_key.pem (part 6's private key) is missing (no similar name in the folder)`,
      `${A}.cert.pem (part 6's certificate, signed by the course) is missing (no similar name in the folder)`,
    ]);
  });
});

describe('closestName', () => {
  it('picks the smallest edit distance, whatever the case and the extension, and nothing unlike', () => {
    expect(closestName('Part2_123456_654321', ['report.pdf', 'PART2_123456_654312.py', 'Part3_123456_654321.py'])).toBe('Part3_123456_654321.py');
    expect(closestName('123456_key.pem', ['123456-key.pem', 'report.pdf'])).toBe('123456-key.pem');
    expect(closestName('123456_key.pem', ['report.pdf'])).toBeNull();
    expect(closestName('x', [])).toBeNull();
  });
});

describe('programCommand', () => {
  const run = { py: 'python3', js: 'node --no-warnings' };
  it('runs by extension, by #! line without one, and names what it cannot run', () => {
    expect(programCommand('Part2_1_2.py', '', run)).toEqual({ ok: true, command: ['python3', 'Part2_1_2.py'] });
    expect(programCommand('Part2_1_2.js', '', run)).toEqual({ ok: true, command: ['node', '--no-warnings', 'Part2_1_2.js'] });
    expect(programCommand('Part2_1_2', '#!/usr/bin/env python3', run)).toEqual({ ok: true, command: ['python3', 'Part2_1_2'] });
    expect(programCommand('Part2_1_2', '#!/usr/bin/node', run)).toEqual({ ok: true, command: ['node', '--no-warnings', 'Part2_1_2'] });
    const java = programCommand('Part2_1_2.java', '', run);
    expect(java.ok === false && java.reason).toMatch(/no command runs \.java files: name one in check\.run/);
    const binary = programCommand('Part2_1_2', '\u007fELF', run);
    expect(binary.ok === false && binary.reason).toMatch(/no extension and no #! line/);
  });
});
