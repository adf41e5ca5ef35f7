// Part 4.2 in JavaScript (run by node): the CAMIPRO number (first argument) then each line of standard input.
const fs = require('node:fs');
if (!fs.readFileSync('/etc/hosts', 'utf8').startsWith('# socklab campus')) throw new Error('run me inside socklab campus'); // never the real course hosts
const dgram = require('node:dgram');
const readline = require('node:readline');

const socket = dgram.createSocket('udp4');
const pending = [];
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  pending.push(new Promise((resolve) => socket.send(Buffer.concat([Buffer.from(process.argv[2]), Buffer.from(line)]), 5005, '224.1.1.1', resolve)));
}).on('close', () => Promise.all(pending).then(() => socket.close()));
