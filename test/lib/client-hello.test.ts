import { describe, expect, it } from 'vitest';
import { clientHelloProgress } from '../../lib/client-hello.js';

const record = (length: number, body: number[] = [1]) => Buffer.from([22, 3, 1, length >> 8, length & 0xff, ...body]);

describe('clientHelloProgress', () => {
  it('waits for the whole first handshake record', () => {
    expect(clientHelloProgress(Buffer.alloc(0))).toBe('incomplete');
    expect(clientHelloProgress(Buffer.from([22, 3]))).toBe('incomplete');
    expect(clientHelloProgress(record(4))).toBe('incomplete');
    expect(clientHelloProgress(Buffer.concat([record(4), Buffer.alloc(3)]))).toBe('complete');
    expect(clientHelloProgress(Buffer.concat([record(4), Buffer.alloc(500)]))).toBe('complete');
  });

  it('tells plain text, other record types and absurd lengths apart at once', () => {
    expect(clientHelloProgress(Buffer.from('CMD_short:0'))).toBe('not-tls');
    expect(clientHelloProgress(Buffer.from([23, 3, 3, 0, 5]))).toBe('not-tls');
    expect(clientHelloProgress(Buffer.from([22, 2, 0]))).toBe('not-tls');
    expect(clientHelloProgress(record(20_000))).toBe('not-tls');
    expect(clientHelloProgress(record(0, []))).toBe('not-tls');
    expect(clientHelloProgress(record(10, [2]))).toBe('not-tls'); // a ServerHello
  });
});
