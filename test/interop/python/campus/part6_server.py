# Part 6 as a later year's handout asks: the TLS PMU on localhost:PORT, on the student's own
# machine, which may be a course port (5003). No SO_REUSEADDR, as many wrote it. Serves one
# session (CMD_short:d, 5 messages), then exits. Arguments: PORT CERT KEY
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import socket
import ssl
import sys
import time

port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(('localhost', port))
server.listen(1)
print('listening', port, file=sys.stderr, flush=True)
raw, _ = server.accept()
with context.wrap_socket(raw, server_side=True) as connection:
    command = connection.recv(100).decode()
    for index in range(1, 6):
        connection.sendall(('This is PMU data %d' % index).encode())
        time.sleep(float(command.split(':')[1]))
server.close()
