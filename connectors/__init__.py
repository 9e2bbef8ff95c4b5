"""Platform connectors: inbound webhooks and polling, outbound reply, hide and delete, media.

``base`` holds the small interface every platform implements and the manual connector;
``meta`` covers Facebook Pages and Instagram (Graph API, feed, comments and messaging
webhooks), ``mastodon`` the Mastodon API; ``services`` owns every write (raw events,
processing, outbound actions) and ``media`` the attachments' recording, download and storage;
``models`` holds the attachments and exact texts, ``selectors`` the reads other apps use
(``attachments_for_item``).
"""
