# The handout's part 6 grader, as it connects: a Python SSLContext(PROTOCOL_SSLv23) loading the
# course CA. As written, such a context verifies nothing (verify_mode CERT_NONE, check_hostname
# off): the same exchange is also made with verification on, as a stricter grader would.
# Arguments: HOST PORT CA_FILE COMMAND SERVER_NAME TIMEOUT_SECONDS. Prints one JSON object. An empty CA_FILE: no CA
# is loaded and the verifying exchange is not made; an empty SERVER_NAME: the verifying exchange
# checks the chain but no host name (socklab check: the handout names no host for the server).
import json
import socket
import ssl
import sys
import warnings

warnings.simplefilter('ignore', DeprecationWarning)  # PROTOCOL_SSLv23 is deprecated; the handout uses it
host, port, ca, command, server_name, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6])


def exchange(verifying):
    context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    if ca:
        context.load_verify_locations(ca)
    if verifying:
        context.verify_mode = ssl.CERT_REQUIRED
        context.check_hostname = bool(server_name)
    data = b''
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=server_name or None) as secure:
                version, cipher = secure.version(), secure.cipher()[0]  # before the server's close ends the session
                secure.sendall(command.encode())
                while True:
                    chunk = secure.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                return {'ok': True, 'version': version, 'cipher': cipher, 'data': data.decode('utf-8', 'replace')}
    except (OSError, ssl.SSLError) as error:
        # What came before the error counts too: a server that sends and never closes is told so.
        return {'ok': False, 'error': str(error), 'data': data.decode('utf-8', 'replace')}


print(json.dumps({'asWritten': exchange(False), 'verifying': exchange(True) if ca else None, 'openssl': ssl.OPENSSL_VERSION}))
