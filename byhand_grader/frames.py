"""The one wire format between the grader and its harness: length-prefixed JSON frames.

A frame is an 8-byte big-endian length and that many bytes of UTF-8 JSON.  The
harness (inside the sandbox) and the runner (outside) both speak it through
these two functions; the reader takes a ``read_exact(n)`` so that each side
brings its own way of waiting (a blocking pipe inside, a deadline outside).
"""

import json
import struct

#: The largest frame either side accepts: a reply holds plain numbers, never 64 MiB.
MAX_FRAME = 64 * 2**20


class FrameError(ValueError):
    """The other side sent something that is not a frame."""


def write_frame(stream, obj):
    """Send ``obj`` as one frame on a binary stream and flush it."""
    data = json.dumps(obj).encode("utf-8")
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def read_frame(read_exact):
    """The next frame's object, or None when the stream ended (or the wait ran out).

    ``read_exact(n)`` returns exactly ``n`` bytes, or None / fewer at the end.
    """
    head = read_exact(8)
    if head is None or len(head) < 8:
        return None
    (size,) = struct.unpack(">Q", head)
    if size > MAX_FRAME:
        raise FrameError(f"a frame of {size} bytes (at most {MAX_FRAME})")
    body = read_exact(size)
    if body is None or len(body) < size:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FrameError(f"a frame that is not JSON ({err})") from None
