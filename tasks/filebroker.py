"""The embedded broker: kombu's filesystem transport, publishing each message
atomically. kombu writes a message file in place, so a worker polling the folder can
take the file before its bytes are written, read nothing, and die on the empty JSON;
here the message is written to a hidden file first and renamed into place."""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **_kwargs: Any) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        # A leading dot: the consumer only takes files named "<...>.<queue>.msg".
        partial = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.partial")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, os.path.join(self.data_folder_out, name))
        except OSError as error:
            raise filesystem.ChannelError(
                f"Cannot add a message to {self.data_folder_out}"
            ) from error


class Transport(filesystem.Transport):
    Channel = Channel
