# Part 5 as real students wrote it (several years of this lab): the synchronous websocket-client
# API, and .decode() on what ws.recv() returns, which works only when the server sends binary
# frames (bytes); with text frames recv() returns str and .decode() raises AttributeError.
# Arguments: URL COMMAND
import sys
import websocket

ws = websocket.create_connection(sys.argv[1])
ws.send(sys.argv[2])
received = 0
while True:
    try:
        data = ws.recv()
    except websocket.WebSocketConnectionClosedException:
        break
    if not data:
        break
    received += 1
    print(data.decode())
print('recv() calls with data:', received)
