"""Access to the connectors' records: every view gets them through these helpers. An
attachment follows its item's access rules (``moderation.permissions.items_for_user``, which
keeps private messages to those who may see the account's messages); others get 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from moderation.permissions import items_for_user

from .models import Attachment, AttachmentStatus


def get_stored_attachment_for_user(user, pk) -> Attachment:
    return get_object_or_404(
        Attachment.objects.filter(
            item__in=items_for_user(user), status=AttachmentStatus.STORED
        ).select_related("item"),
        pk=pk,
    )
