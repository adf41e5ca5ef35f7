# A TLS PDC as the grader builds it: an SSLv23 (= PROTOCOL_TLS) context, the course CA, one-way
# authentication. Prints the protocol version, the cipher suite and what the PMU sent.
# Arguments: HOST PORT CAFILE COMMAND [max-1.2|min-1.3] [seclevel1]
import socket
import ssl
import sys
import warnings

host, port, cafile, command = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
options = sys.argv[5:]
warnings.simplefilter('ignore', DeprecationWarning)  # PROTOCOL_SSLv23 is the grader's choice
context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
context.verify_mode = ssl.CERT_REQUIRED
context.check_hostname = True
context.load_verify_locations(cafile)
if 'max-1.2' in options:
    context.maximum_version = ssl.TLSVersion.TLSv1_2
if 'min-1.3' in options:
    context.minimum_version = ssl.TLSVersion.TLSv1_3
if 'seclevel1' in options:
    context.set_ciphers('DEFAULT@SECLEVEL=1')
with socket.create_connection((host, port)) as raw:
    with context.wrap_socket(raw, server_hostname='localhost') as tls:
        tls.send(command.encode())
        data = b''
        while True:
            chunk = tls.recv(4096)
            if not chunk:
                break
            data += chunk
        print(tls.version(), tls.cipher()[0])
        print(data.decode())
