"""The files a requester receives for a request: PDF/A, CSV, JSON, the decision, a manifest."""

from records.handover import ContextEntry, DeliveredItem, DeliveredVersion, Delivery

from .package import DeliveryMismatch, write_delivery, zip_delivery

__all__ = [
    "ContextEntry",
    "DeliveredItem",
    "DeliveredVersion",
    "Delivery",
    "DeliveryMismatch",
    "write_delivery",
    "zip_delivery",
]
