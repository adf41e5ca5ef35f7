import { formatHostPort } from '../address.js';
import { type SocklabError, socklabError } from '../errors.js';

/** One line for a failed connection, naming the target and what to check. */
export function connectionError(error: NodeJS.ErrnoException, host: string, port: number): SocklabError {
  const target = formatHostPort(host, port);
  switch (error.code) {
    case 'ECONNREFUSED':
      return socklabError('SOCKLAB_ERR_NETWORK', `connection to ${target} refused: is the server running? (locally: npx socklab lab)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return socklabError('SOCKLAB_ERR_NETWORK', `cannot resolve ${host} (${error.code})`);
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'EADDRNOTAVAIL':
      return socklabError('SOCKLAB_ERR_NETWORK', `${target} is unreachable from this machine (${error.code})`);
    case 'ECONNRESET':
      return socklabError('SOCKLAB_ERR_NETWORK', `connection to ${target} reset by the server`);
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return socklabError('SOCKLAB_ERR_NETWORK', `the certificate of ${target} is not trusted: ${error.message} (give the CA with --ca, or --insecure to skip the check)`);
    default:
      if (/key too (weak|small)/i.test(error.message)) {
        return socklabError(
          'SOCKLAB_ERR_NETWORK',
          `the certificate of ${target} has a key too weak for OpenSSL security level 2, which Debian's and Ubuntu's Python (the grader's) use: make a 2048-bit key (socklab cert key), or connect anyway with --seclevel 1`,
        );
      }
      return socklabError('SOCKLAB_ERR_NETWORK', `connection to ${target} failed: ${error.message}`);
  }
}
