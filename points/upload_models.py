"""One row per stored upload (a claim's photo, an item's picture): who, which village, how
many bytes and when, so quotas are counted by the database every worker shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from points.clock import now
from points.db import Base, UTCDateTime


class Upload(Base):
    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: a command
    kind: Mapped[str] = mapped_column(String(16))  # "evidence" or "item_photo"
    # The file, relative to the uploads folder; kept after removal as a record.
    path: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)  # bytes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # When the file was deleted (a rejected claim's photo after its window); None: on disk.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_uploads_user_created", "user_id", "created_at"),
        Index("ix_uploads_village_removed", "village_id", "removed_at"),
        Index("ix_uploads_path", "path"),
    )

    def __repr__(self) -> str:
        return f"<Upload {self.id} {self.kind} {self.size}>"


__all__ = ["Upload"]
