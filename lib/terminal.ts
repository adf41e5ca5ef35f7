import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';

/**
 * Text that came from the network or from a student's program, made safe to print on a terminal:
 * C0 and C1 control characters other than newline and tab (ESC, CR, BEL, the 8-bit CSI…) are shown
 * escaped as `\xHH`, so a datagram or a program cannot clear the screen, move the cursor, rewrite a
 * line with CR or set the window title. Everything else, UTF-8 included, is printed as it is.
 */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Where a server's bulk text goes (the flood): escaped when `stream` is a terminal, the bytes as
 * they came when it is a file or a pipe, so that `> flood.txt` holds exactly what the server sent.
 */
export function untrustedTextSink(stream: NodeJS.WriteStream): Writable {
  if (!stream.isTTY) return stream;
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (stream.write(terminalSafe(decoder.write(chunk)))) done();
      else stream.once('drain', () => done());
    },
    final(done) {
      stream.write(terminalSafe(decoder.end()));
      done();
    },
  });
}
