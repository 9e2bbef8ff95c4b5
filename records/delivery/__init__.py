"""The files a requester receives for a request: PDF/A, CSV, JSON, the decision, a manifest."""

from records.handover import (
    ContextEntry,
    DeliveredAttachment,
    DeliveredItem,
    DeliveredVersion,
    Delivery,
)

from .package import AttachmentUnavailable, DeliveryMismatch, write_delivery, zip_delivery

__all__ = [
    "AttachmentUnavailable",
    "ContextEntry",
    "DeliveredAttachment",
    "DeliveredItem",
    "DeliveredVersion",
    "Delivery",
    "DeliveryMismatch",
    "write_delivery",
    "zip_delivery",
]
