"""A TCP forwarder for the multi-node tests: ``python -m tests.integration.forwarder MAP...``.

Each MAP is ``LISTEN_HOST:PORT=TARGET_HOST:PORT``. PostgreSQL and the broker listen on
loopback only, so a worker node in a network namespace of its own reaches them through this
forwarder, listening on the host side of the node's veth pair. It prints ``ready`` once every
listener is bound, and runs until it is killed.
"""

import asyncio
import functools
import sys

BUFFER = 65536


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(BUFFER):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass  # either side went away: close both below
    finally:
        writer.close()


async def serve(target: tuple[str, int], reader, writer) -> None:
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
    except OSError:
        writer.close()
        return
    await asyncio.gather(pump(reader, upstream_writer), pump(upstream_reader, writer))


def address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


async def main(mappings: list[str]) -> None:
    servers = []
    for mapping in mappings:
        listen, _, target = mapping.partition("=")
        host, port = address(listen)
        handler = functools.partial(serve, address(target))
        servers.append(await asyncio.start_server(handler, host, port, reuse_address=True))
    print("ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
