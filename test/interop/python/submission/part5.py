# Part 5, correct: the command over WebSocket, each message printed as it comes.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import sys
import websocket


def on_message(ws, message):
    print(message)


websocket.WebSocketApp('ws://tcpip.epfl.ch:5006', on_open=lambda ws: ws.send(sys.argv[1]), on_message=on_message).run_forever()
