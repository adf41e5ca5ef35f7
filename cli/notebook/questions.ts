/**
 * What each of the handout's questions asks, in a line of socklab's own words (never the answer),
 * so that a student reading the notebook need not keep the handout open beside it.
 */
export const QUESTIONS: Record<string, string> = {
  Q1: 'Codes A and B: what each does, and with which kind of socket.',
  Q2: 'Codes A and B run: what the server prints.',
  Q3: 'Codes C and D: UDP or TCP, IPv4 or IPv6.',
  Q4: 'The socket option the server sets, and what it is for.',
  Q5: 'The connections `ss` or `netstat` lists while the client holds its connection.',
  Q6: 'How many lines the server prints the message in, and what sets that number.',
  Q7: 'Whether the server notices the client while it still holds the connection.',
  Q8: 'Whether the server sends and receives on its listening socket.',
  Q9: 'What the server sees once the client ends.',
  Q10: 'How many messages the PMU sends.',
  Q11: 'Packets with data from the PMU, for d = 0 and for d = 1.',
  Q12: 'Why the two counts of Q11 differ, if they do.',
  Q13: 'How the client knows it has every message.',
  Q14: 'Packets with data from the PMU for CMD_floodme.',
  Q15: 'The first lines of the flood as the client printed them.',
  Q16: 'How many recv() calls the flood took, against the packets, and what sets that number.',
  Q17: 'When the RESET server answered, and over which family.',
  Q18: 'Requests sent per acknowledgement on average, and the loss probability.',
  Q19: 'Messages heard on the multicast group.',
  Q20: 'The socket options a multicast receiver needs.',
  Q21: 'The socket options a multicast sender needs.',
  Q22: 'The channel\'s answer to a message over 300 characters.',
  Q23: 'Packets with data from the WebSocket server for CMD_short:0, against part 2\'s d = 0.',
  Q24: 'How many times on_message ran for CMD_short:0, against part 2\'s d = 0.',
  Q25: 'The flood over WebSocket: packets with data, on_message calls, against part 2\'s recv() calls.',
  Q26: 'The packets of the TLS handshake, and what each carries.',
  Q27: 'How many cipher suites are offered, which one is agreed, and in which packets.',
  Q28: 'Where asymmetric cryptography is used in the session, and for what.',
  Q29: 'Where symmetric cryptography is used in the session, and for what.',
};

/** Units as counted: "1 read", "2 reads". */
const SINGULAR: Record<string, string> = {
  reads: 'read',
  events: 'event',
  messages: 'message',
  rounds: 'round',
  segments: 'segment',
  packets: 'packet',
  calls: 'call',
  suites: 'suite',
  datagrams: 'datagram',
  records: 'record',
};

/** A value with its unit, the unit in the singular for exactly one. */
export function withUnit(value: unknown, unit: string): string {
  if (value === null || value === undefined) return '—';
  const counted = value === 1 ? (SINGULAR[unit] ?? unit) : unit;
  return `${String(value)}${counted ? ` ${counted}` : ''}`;
}
