// Runs one program under lib/sandbox as whoever starts this script (the unprivileged path of the
// tests: setpriv to nobody, then this), and prints its run record as JSON.
// Arguments: FOLDER TIMEOUT_MS COMMAND...
import { SandboxedProgram } from '../../../dist/lib/sandbox/program.js';

const [folder, timeoutMs, ...command] = process.argv.slice(2);
const program = new SandboxedProgram({
  command,
  folder,
  timeoutMs: Number(timeoutMs),
  limits: { cpuSeconds: 10, memoryBytes: 256 * 1024 * 1024, processes: 16, outputBytes: 1024 * 1024, fileBytes: 4 * 1024 * 1024, tmpfsBytes: 8 * 1024 * 1024 },
  uid: null,
  processBase: 0,
  network: 'none',
  name: `test-${process.pid}`,
});
process.stdout.write(`${JSON.stringify(await program.finished)}\n`);
