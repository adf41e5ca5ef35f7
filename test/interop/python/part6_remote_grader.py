# A grader on another machine: PROTOCOL_TLS_CLIENT (which verifies the chain and the name),
# the course CA, and the name in the certificate as server_hostname. With SQUATTERS, it first
# opens that many idle TCP connections to the server and holds them while it connects.
# Arguments: HOST PORT CAFILE SERVERNAME [SQUATTERS]
import socket
import ssl
import sys

host, port, cafile, servername = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
squatters = [socket.create_connection((host, port)) for _ in range(int(sys.argv[5]) if len(sys.argv) > 5 else 0)]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.load_verify_locations(cafile)
try:
    with socket.create_connection((host, port), timeout=20) as raw:
        with context.wrap_socket(raw, server_hostname=servername) as tls:
            tls.send(b'CMD_short:0')
            data = b''
            while True:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                data += chunk
            print(tls.version(), tls.getpeername()[0])
            print(data.decode())
except (OSError, ssl.SSLError) as error:
    print(f'{type(error).__name__}: {error}')
    sys.exit(1)
finally:
    print(f'{len(squatters)} idle connections held', file=sys.stderr)
    for squatter in squatters:
        squatter.close()
