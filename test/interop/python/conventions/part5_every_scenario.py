# Part 5 with no arguments: CMD_short:0, then CMD_floodme, each on a connection of its own.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import websocket

for command in ['CMD_short:0', 'CMD_floodme']:
    ws = websocket.create_connection('ws://tcpip.epfl.ch:5006')
    ws.send(command)
    while True:
        try:
            message = ws.recv()
        except websocket.WebSocketConnectionClosedException:
            break
        if not message:
            break
        print(message.decode() if isinstance(message, bytes) else message)
