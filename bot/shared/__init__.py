"""State that several bot instances share: which updates were handled, each user's photos in
flight and per minute, the albums being gathered, and the photos each instance is reading
(told to resend by another instance if that one dies).

With REDIS_URL set it lives in Redis (every instance behind the load balancer sees the same);
without it, in this process's memory, as one instance needs (the embedded default).
"""

from bot.shared.albums import AlbumPage
from bot.shared.inflight import LostPhoto
from bot.shared.limits import Refusal
from bot.shared.state import SharedState, open_shared_state

__all__ = ["AlbumPage", "LostPhoto", "Refusal", "SharedState", "open_shared_state"]
